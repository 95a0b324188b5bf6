/**
 * Campaign archive: a campaign whose `end_time` passes is archived after its grace period
 * unless it is extended. Two campaigns end in a few seconds with a short grace
 * (`service_specific.campaign.archive_after`); one is extended (its archive is cancelled by
 * `policy_override`), the other is archived.
 */
import { type Demo, type DemoContext, DemoFailed, detail, say, unique, waitFor } from './kit.ts';

const GRACE = 'PT20S';

interface Intent {
  pattern: string;
  action: string;
  status: string;
  run_at: string;
  reason?: string;
}

const archiveIntent = async (ctx: DemoContext, id: string): Promise<Intent | undefined> =>
  (await ctx.must<{ items: Intent[] }>('GET', `/api/scheduler/intents?entity_id=${id}`)).items.find(
    (i) => i.action === 'archive',
  );

export const archive: Demo = {
  title: 'a campaign that ends is archived after its grace period unless extended',
  budgetMs: 240_000,
  async run(ctx) {
    const tag = unique();
    const end = new Date(Date.now() + 10_000).toISOString();
    const ids: string[] = [];
    try {
      for (const who of ['extended', 'ended']) {
        const c = await ctx.must<{ id: string }>('POST', '/api/campaigns', {
          name: `Demo ${who} ${tag}`,
          metadata: {
            tags: ['demo'],
            scheduling: { end_time: end },
            service_specific: { campaign: { archive_after: GRACE } },
          },
        });
        ids.push(c.id);
      }
      const [extended, ended] = ids as [string, string];
      say(
        `created campaigns ${extended} ("extended") and ${ended} ("ended"), both ending at ${end}, archive ${GRACE} after the end`,
      );
      for (const id of ids) {
        const i = await waitFor(
          `an archive intent for ${id}`,
          async () => {
            const a = await archiveIntent(ctx, id);
            return a?.status === 'scheduled' ? a : undefined;
          },
          30_000,
        );
        detail(`${id}: archive at ${i.run_at}`);
      }
      say(
        'extending "extended": POST /api/campaigns/{id}/extend emits policy_override, which cancels its archive',
      );
      await ctx.must('POST', `/api/campaigns/${extended}/extend`, {});
      await waitFor(
        'the archive of "extended" cancelled',
        async () => (await archiveIntent(ctx, extended))?.status === 'cancelled',
        30_000,
      );
      detail(`${extended}: archive cancelled`);
      say('waiting for "ended" to be archived (the emulator fires schedules up to ~10 s late) …');
      await waitFor(
        `campaign ${ended} archived`,
        async () => {
          const r = await ctx.call<{ state?: string }>('GET', `/api/campaigns/${ended}`);
          return r.status === 200 && r.body.state === 'archived';
        },
        120_000,
        2000,
      );
      detail(`${ended}: state archived (hidden from default lists)`);
      const ext = await ctx.call<{ state?: string }>('GET', `/api/campaigns/${extended}`);
      if (ext.body.state === 'archived') throw new DemoFailed('the extended campaign was archived too');
      detail(`${extended}: state ${ext.body.state ?? 'active'}`);
    } finally {
      for (const id of ids) await ctx.call('DELETE', `/api/campaigns/${id}`);
      say('cleaned up: demo campaigns deleted');
    }
  },
};
