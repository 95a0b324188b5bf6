/** Campaigns the tests create through the API, as a client would. */
import { expect } from 'vitest';
import { api } from './client.ts';

export interface LiveCampaignOptions {
  /** Broadcast frequency (default 5 Hz). */
  hz?: number;
  /** How long it stays on the air from now (default 10 min). */
  endsInMs?: number;
  /** Merged into the metadata (after the broadcast defaults). */
  metadata?: Record<string, unknown>;
  /** Merged into metadata.scheduling. */
  scheduling?: Record<string, unknown>;
}

/** A plain campaign named `<name> <random tag>`; resolves to its id. */
export async function createCampaign(name: string): Promise<string> {
  const r = await api<{ id: string }>('POST', '/api/campaigns', {
    body: { name: `${name} ${Math.random().toString(36).slice(2, 10)}` },
  });
  expect(r.status, r.text).toBe(201);
  return r.body.id;
}

/**
 * A campaign broadcasting now: started a minute ago, with the broadcast and leaderboard
 * features and broadcasting enabled. Resolves to its id.
 */
export async function createLiveCampaign(name: string, opts: LiveCampaignOptions = {}): Promise<string> {
  const now = Date.now();
  const r = await api<{ id: string }>('POST', '/api/campaigns', {
    body: {
      name,
      metadata: {
        features: ['broadcast', 'leaderboard'],
        scheduling: {
          frequency: opts.hz ?? 5,
          start_time: new Date(now - 60_000).toISOString(),
          end_time: new Date(now + (opts.endsInMs ?? 600_000)).toISOString(),
          ...opts.scheduling,
        },
        service_specific: { campaign: { broadcast_enabled: true } },
        ...opts.metadata,
      },
    },
  });
  expect(r.status, r.text).toBe(201);
  return r.body.id;
}
