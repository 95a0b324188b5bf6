/**
 * Turns Nexus events into notification entities through the notification service's own
 * entity store (so they are listed at `/api/notifications`, owned by the notified user).
 */
import { isTemporaError } from '../errors.ts';
import type { EventEnvelope } from '../events/envelope.ts';
import { logger } from '../observability.ts';
import type { EntityStore } from '../store/entity-store.ts';
import {
  type NotificationDraft,
  type NotificationRule,
  notificationId,
  notificationsFor,
  RULES,
} from './rules.ts';

/** The principal notifications are created as. */
export const NOTIFICATION_ACTOR = { sub: 'tempora.notification', role: 'service' } as const;

export class NotificationService {
  constructor(
    private readonly store: EntityStore,
    private readonly rules: readonly NotificationRule[] = RULES,
  ) {}

  /** Create the event's notifications; returns how many were new and how many existed already. */
  async onEvent(e: EventEnvelope): Promise<{ created: number; existing: number }> {
    if (e.source === 'tempora.notification') return { created: 0, existing: 0 };
    let created = 0;
    let existing = 0;
    for (const d of notificationsFor(e, this.rules)) {
      if (await this.create(d, e)) created++;
      else existing++;
    }
    if (created || existing) logger.info('notifications', { created, existing, event: e.type });
    return { created, existing };
  }

  private async create(d: NotificationDraft, e: EventEnvelope): Promise<boolean> {
    try {
      await this.store.create(
        {
          user_id: d.user_id,
          channel: 'in_app',
          title: d.title,
          body: d.body,
          read: false,
          metadata: {
            tags: [d.rule],
            service_specific: {
              notification: {
                rule: d.rule,
                event: { id: e.id, type: e.type },
                entity: { type: e.entity.type, id: e.entity.id },
              },
            },
          },
        },
        { actor: NOTIFICATION_ACTOR, correlationId: e.correlation_id, system: true },
        { id: notificationId(d.dedupe_key), ownerId: d.user_id },
      );
      return true;
    } catch (err) {
      // Same id: this notification exists already (redelivery, retry, or a later matching event).
      if (isTemporaError(err) && err.status === 409) return false;
      throw err;
    }
  }
}
