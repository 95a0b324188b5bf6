/**
 * User retention as the seed means it: a user account is deleted after the `user` role's
 * retention unless it is reactivated. The demo shortens the dev row to 45 s, creates two users,
 * lengthens the row to 10 min and reactivates one (its deletion is cancelled and rescheduled,
 * 10 min out) and lets the other one go (deleted), then prints the audit story of both. The
 * policy row is restored at the end.
 */
import { type Demo, type DemoContext, DemoFailed, detail, say, sleep, unique, waitFor } from './kit.ts';

const RETENTION = 'PT45S';
/** Lambdas cache policy rows this long (POLICY_CACHE_TTL_MS, docs/policies.md). */
const POLICY_CACHE_MS = 6_000;

interface Intent {
  id: string;
  pattern: string;
  action: string;
  status: string;
  generation: number;
  run_at: string;
  reason?: string;
}
interface Policy {
  retention: string;
  access: string;
  validation: string;
  exposure: string;
}

const intentsOf = async (ctx: DemoContext, id: string): Promise<Intent[]> =>
  (await ctx.must<{ items: Intent[] }>('GET', `/api/scheduler/intents?entity_id=${id}`)).items;

const retentionIntent = (items: Intent[]): Intent | undefined => items.find((i) => i.pattern === 'retention');

const inSeconds = (iso: string): string => `${Math.round((Date.parse(iso) - Date.now()) / 1000)} s`;

async function story(ctx: DemoContext, id: string): Promise<string[]> {
  const r = await ctx.must<{ items: Array<{ type: string }> }>(
    'GET',
    `/api/security/audits?entity_id=${id}&limit=100`,
  );
  return r.items.map((e) => e.type);
}

export const retention: Demo = {
  title: 'a user account is deleted after its retention unless reactivated',
  budgetMs: 240_000,
  async run(ctx) {
    const env = ctx.outputs.environment;
    const rowPath = `/api/policies/user/${env}/user`;
    const before = await ctx.call<Policy>('GET', rowPath);
    const row: Policy = {
      retention: RETENTION,
      access: 'self+admin',
      validation: 'strict',
      exposure: 'summary',
    };
    await ctx.must('PUT', rowPath, row);
    say(
      `policy user/${env}/user now keeps user accounts ${RETENTION} (was ${before.status === 200 ? before.body.retention : 'the default'}); Lambdas see it within ${POLICY_CACHE_MS / 1000} s`,
    );
    await sleep(POLICY_CACHE_MS);
    const users: string[] = [];
    try {
      const tag = unique();
      for (const who of ['kept', 'left']) {
        const u = await ctx.must<{ id: string }>('POST', '/api/users', {
          email: `${who}-${tag}@example.com`,
          username: `${who}_${tag}`,
        });
        users.push(u.id);
      }
      const [kept, left] = users as [string, string];
      say(
        `created users ${kept} ("kept") and ${left} ("left") as admin; retention follows the account, not the caller`,
      );
      const first = new Map<string, Intent>();
      for (const id of users) {
        const intent = await waitFor(
          `a scheduled retention deletion for ${id}`,
          async () => {
            const i = retentionIntent(await intentsOf(ctx, id));
            return i?.status === 'scheduled' ? i : undefined;
          },
          30_000,
        );
        first.set(id, intent);
        detail(
          `${id}: intent ${intent.id} delete in ${inSeconds(intent.run_at)} (generation ${intent.generation})`,
        );
      }

      // A longer row from now on, so that the fresh deletion of "kept" clearly outlives the demo
      // even when the emulator's scheduler runs late.
      await ctx.must('PUT', rowPath, { ...row, retention: 'PT10M' });
      say(
        `policy user/${env}/user now PT10M; reactivating "kept": user.reactivated cancels its pending deletion and schedules a fresh one`,
      );
      await sleep(POLICY_CACHE_MS);
      await ctx.must('POST', `/api/users/${kept}/reactivate`, {});
      const fresh = await waitFor(
        'the rescheduled deletion of "kept"',
        async () => {
          const i = retentionIntent(await intentsOf(ctx, kept));
          return i && i.generation > first.get(kept)!.generation && i.status === 'scheduled' ? i : undefined;
        },
        30_000,
      );
      detail(
        `${kept}: generation ${fresh.generation}, delete in ${inSeconds(fresh.run_at)} (later than before)`,
      );

      say(`waiting for "left" to reach its retention (the emulator's scheduler fires up to ~10 s late) …`);
      await waitFor(
        `user ${left} deleted`,
        async () => (await ctx.call('GET', `/api/users/${left}`)).status === 404,
        150_000,
        2000,
      );
      const gone = retentionIntent(await intentsOf(ctx, left));
      detail(`${left}: GET → 404; its intent is ${gone?.status ?? 'gone'}`);
      if (gone && gone.status !== 'executed')
        throw new DemoFailed(`the deletion intent of ${left} is ${gone.status}`);
      const keptNow = await ctx.call('GET', `/api/users/${kept}`);
      if (keptNow.status !== 200)
        throw new DemoFailed(`"kept" answered ${keptNow.status}; it should still exist`);
      detail(`${kept}: still here (its deletion was pushed back)`);

      say('the audit story, oldest first:');
      for (const id of users) detail(`${id}: ${(await story(ctx, id)).join(' → ')}`);
    } finally {
      for (const id of users) await ctx.call('DELETE', `/api/users/${id}`);
      if (before.status === 200) await ctx.call('PUT', rowPath, before.body);
      else await ctx.call('DELETE', rowPath);
      say(`cleaned up: demo users deleted, policy user/${env}/user restored`);
    }
  },
};
