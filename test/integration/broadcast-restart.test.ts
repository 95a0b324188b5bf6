/**
 * The emulator restarts in the middle of a live broadcast (issue 12, the last fault).
 *
 * This file runs its own MiniStack, on its own port (TEMPORA_LOCAL_PORT + 1, or
 * TEMPORA_RESTART_PORT) with its own files (`.local/restart/`) and `PERSIST_STATE=1`, so the
 * restart does not disturb the emulator the other files share (and it can run beside them). It deploys the stack there from the cloud assembly the global setup synthesized,
 * then, from outside the code:
 *
 *   clients on a live campaign see frames → the emulator process is stopped (SIGTERM: it
 *   saves its state) and started again from that state → the clients reconnect → they get
 *   frames again.
 *
 * On restart MiniStack marks the ticker's running execution FAILED (States.ServiceRestart);
 * the ticker item still names it. A reconnecting client's `$connect` sees the owner's
 * `alive_at` stale, checks the execution and hands the campaign to the next generation
 * (lib/broadcast/controller.ts, TickerWatch); the sweep every minute would do the same if
 * nobody reconnected. The figures go to the test's output (docs/operations-faults.md).
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeExecutionCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executionArn } from '../../lib/broadcast/machine.ts';
import { type LocalConfig, loadLocalConfig, localPaths, repoRoot } from '../../localstack/config.ts';
import { bootstrapAndDeploy } from '../../localstack/deploy.ts';
import { startMinistack, stopEmulator } from '../../localstack/emulator.ts';
import { writeOutputs } from '../../localstack/platform.ts';
import { emulatorClientConfig } from '../kit/emulator.ts';
import { createLiveCampaign } from './support/campaigns.ts';
import { api, dynamo, eventually, table } from './support/client.ts';
import { loadOutputs } from './support/outputs.ts';
import { LiveClient } from './support/ws-client.ts';

const HZ = 5;
const CLIENTS = 4;

/** The restartable emulator: always the embedded MiniStack, whatever AWS_ENDPOINT_URL says. */
function restartConfig(): LocalConfig {
  const shared = loadLocalConfig();
  const port = Number(process.env.TEMPORA_RESTART_PORT ?? shared.port + 1);
  const { AWS_ENDPOINT_URL: _external, ...env } = process.env;
  const cfg = loadLocalConfig({ ...env, TEMPORA_LOCAL_PORT: String(port), PERSIST_STATE: '1' });
  return { ...cfg, paths: localPaths(repoRoot(), join(repoRoot(), '.local', 'restart')) };
}

const cfg = restartConfig();
let pid: number | undefined;
const clients: LiveClient[] = [];

beforeAll(async () => {
  rmSync(cfg.paths.stateDir, { recursive: true, force: true }); // a fresh start, then a restart
  const emulator = await startMinistack(cfg);
  pid = emulator.pid;
  // The assembly the global setup just deployed to the shared emulator: no second synthesis.
  const assembly = join(repoRoot(), '.local', 'cdk.out');
  await bootstrapAndDeploy(cfg, cfg.endpoint, existsSync(assembly) ? { assembly } : {});
  await writeOutputs(cfg, cfg.endpoint);
  // Every support helper of this file (api, dynamo, tokens, ws) now talks to this emulator.
  process.env.TEMPORA_OUTPUTS = cfg.paths.outputsFile;
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  if (pid !== undefined) await stopEmulator(cfg, pid);
});

async function connect(campaignId: string, user: string): Promise<LiveClient> {
  const client = await LiveClient.join(campaignId, user);
  clients.push(client);
  return client;
}

const liveCampaign = (name: string): Promise<string> =>
  createLiveCampaign(name, { hz: HZ, endsInMs: 900_000 });

const tickerItem = async (campaignId: string) =>
  (
    await dynamo().send(
      new GetCommand({
        TableName: table('broadcastState'),
        Key: { campaign_id: campaignId, sk: 'ticker' },
        ConsistentRead: true,
      }),
    )
  ).Item as
    | { execution: string; generation: number; seq: number; status: string; start_pending?: boolean }
    | undefined;

describe('the emulator restarts during a live broadcast (PERSIST_STATE=1)', () => {
  it('the ticker restarts cleanly: frames again on reconnect, seq only increases, one execution; the sweep restarts the rest', async () => {
    const id = await liveCampaign('restart-live');
    // A second campaign whose only client never comes back: the minute's sweep restarts it.
    const lonely = await liveCampaign('restart-lonely');
    const lonelyClient = await connect(lonely, `restart-lonely-${lonely.slice(-6).toLowerCase()}`);
    await lonelyClient.waitFor((r) => r.some((f) => f.frame.type === 'campaign.state'), 60_000);
    const lonelyOwner = await tickerItem(lonely);
    // The lonely ticker's item as a stack deployed before the sweep's index wrote it: no
    // running_ticker. The running burst's sign of life (every second) puts it back, so the sweep
    // below can find this ticker.
    const stateKey = { TableName: table('broadcastState'), Key: { campaign_id: lonely, sk: 'ticker' } };
    await dynamo().send(new UpdateCommand({ ...stateKey, UpdateExpression: 'REMOVE running_ticker' }));
    await eventually(
      async () => {
        const item = (await dynamo().send(new GetCommand({ ...stateKey, ConsistentRead: true }))).Item;
        return item?.running_ticker === 'ticker' ? item : undefined;
      },
      10_000,
      'running_ticker written back by the running burst',
    );
    const users = Array.from({ length: CLIENTS }, (_, i) => `restart-u${i}-${id.slice(-6).toLowerCase()}`);

    // Before: every client on the air.
    const before = await Promise.all(users.map((u) => connect(id, u)));
    await Promise.all(
      before.map((c) =>
        c.waitFor((r) => r.filter((f) => f.frame.type === 'campaign.state').length >= 10, 60_000),
      ),
    );
    const owner = await tickerItem(id);
    expect(owner?.status).toBe('running');
    const sfn = () => new SFNClient(emulatorClientConfig());
    const machineArn = loadOutputs().stackOutputs.BroadcastStateMachineArn ?? '';
    expect(machineArn).not.toBe('');

    // Restart: stop the process (it saves its state), start it again from that state.
    const stopAt = Date.now();
    if (pid === undefined) throw new Error('no emulator pid');
    await stopEmulator(cfg, pid);
    const stopMs = Date.now() - stopAt;
    await Promise.all(before.map((c) => c.waitFor(() => c.closed, 10_000, 'the socket closed by the stop')));
    const framesBefore = before.map((c) => c.states().length);
    const lastSeqBefore = Math.max(...before.flatMap((c) => c.states().map((s) => s.seq)));
    const startAt = Date.now();
    pid = (await startMinistack(cfg)).pid;
    const upAt = Date.now();
    // Nobody reconnects to `lonely`: its ticker comes back by the sweep (within about a minute).
    // The item names the next generation before StartExecution is made (start_pending); the
    // execution's own first sign of life clears it: then it runs.
    const lonelyBack = eventually(
      async () => {
        const t = await tickerItem(lonely);
        return t && t.generation > (lonelyOwner?.generation ?? 0) && t.start_pending !== true
          ? { t, at: Date.now() }
          : undefined;
      },
      150_000,
      'the sweep restarting the ticker nobody reconnected to',
    );

    // What the restart did: the execution that owned the campaign is FAILED, the item still names it.
    const dead = await sfn().send(
      new DescribeExecutionCommand({ executionArn: executionArn(machineArn, owner?.execution ?? '') }),
    );
    expect({ status: dead.status, error: dead.error }).toEqual({
      status: 'FAILED',
      error: 'States.ServiceRestart',
    });
    expect((await tickerItem(id))?.execution).toBe(owner?.execution);

    // After: the clients reconnect (all at once) and get frames again.
    const after = await Promise.all(users.map((u) => connect(id, u)));
    const firstFrames = await Promise.all(
      after.map((c) =>
        c.waitFor(
          (r) => r.find((f) => f.frame.type === 'campaign.state'),
          90_000,
          'a state frame after the restart',
        ),
      ),
    );
    const firstFrameAt = Math.min(...firstFrames.map((f) => f.at));
    // The old connections (gone with the old process) are dropped by the ticker's first posts (410).
    await Promise.all(
      after.map((c) =>
        c.waitFor(
          (r) =>
            r.some(
              (f) =>
                f.frame.type === 'campaign.state' &&
                (f.frame.payload as { live_participant_count?: number }).live_participant_count === CLIENTS,
            ),
          30_000,
          `a frame counting ${CLIENTS} participants`,
        ),
      ),
    );
    await Promise.all(
      after.map((c) =>
        c.waitFor((r) => r.filter((f) => f.frame.type === 'campaign.state').length >= 10, 30_000),
      ),
    );

    // One ticker: the next generation of the same run, and the only running execution of the campaign.
    const next = await tickerItem(id);
    expect(next).toMatchObject({ status: 'running', generation: (owner?.generation ?? 0) + 1 });
    const running = await eventually(async () => {
      const list = await sfn().send(
        new ListExecutionsCommand({ stateMachineArn: machineArn, statusFilter: 'RUNNING' }),
      );
      const mine = (list.executions ?? []).map((e) => e.name ?? '').filter((n) => n.startsWith(`${id}-`));
      return mine.length > 0 ? mine : undefined;
    }, 10_000);
    expect(running).toEqual([next?.execution]);

    // A client's seq only increases across the restart (the new generation skips above the old one).
    const seqsAfter = after.flatMap((c) => c.states().map((s) => s.seq));
    const firstSeqAfter = Math.min(...seqsAfter);
    expect(firstSeqAfter).toBeGreaterThan(lastSeqBefore);
    for (const c of after) {
      const seqs = c.states().map((s) => s.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    }

    // The sweep's restart: the next generation, running.
    const swept = await lonelyBack;
    const lonelyNow = await sfn().send(
      new DescribeExecutionCommand({ executionArn: executionArn(machineArn, swept.t.execution) }),
    );
    expect(lonelyNow.status).toBe('RUNNING');

    const framesAfter = after.map((c) => c.states().length);
    console.log(
      `broadcast-restart clients=${CLIENTS} hz=${HZ} stop_ms=${stopMs} start_ms=${upAt - startAt} ` +
        `restart_to_first_frame_ms=${firstFrameAt - upAt} frames_before=${framesBefore.join('/')} ` +
        `frames_after=${framesAfter.join('/')} last_seq_before=${lastSeqBefore} first_seq_after=${firstSeqAfter} ` +
        `sweep_restart_ms=${swept.at - upAt} execution=${owner?.execution}->${next?.execution}`,
    );
    await api('DELETE', `/api/campaigns/${id}`);
    await api('DELETE', `/api/campaigns/${lonely}`);
  }, 300_000);
});
