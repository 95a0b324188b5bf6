/**
 * `#/campaigns/<id>`: a campaign's live state (docs/broadcast.md), through the client helper
 * (lib/client/live.ts) on whichever transport the campaign uses, with delta frames: leaderboard,
 * participant count, frame rate and `seq`, on/off air, and "missed n frames" when frames were
 * lost, updated as frames arrive; admins (and services) get a score form.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { connectLive, type Gap, type LiveStatus, type StateFrame } from '../../../lib/client/live.ts';
import { ApiError, call } from '../api.ts';
import { apiBase } from '../errors.ts';
import type { Session } from '../session.ts';
import { ErrorBox, Section, useApi } from '../ui.tsx';
import { liveUrl, type WebSocketConfig } from '../ws.ts';

const RATE_WINDOW_MS = 2000;
const rateOf = (arrivals: readonly number[]): number =>
  Math.round((arrivals.length / (RATE_WINDOW_MS / 1000)) * 10) / 10;

interface Live {
  status: LiveStatus;
  transport: 'websocket' | 'events' | undefined;
  onAir: boolean | undefined;
  frame: StateFrame | undefined;
  /** Frames per second, averaged over the last two seconds. */
  rate: number;
  /** The last gap, and every frame missed since the page opened. */
  gap: Gap | undefined;
  missed: number;
}

function useLive(
  enabled: boolean,
  campaignId: string,
  session: Session,
  ws: WebSocketConfig | undefined,
): Live {
  const [live, setLive] = useState<Live>({
    status: 'connecting',
    transport: undefined,
    onAir: undefined,
    frame: undefined,
    rate: 0,
    gap: undefined,
    missed: 0,
  });
  const arrivals = useRef<number[]>([]);
  useEffect(() => {
    if (!enabled) return;
    // The helper asks /live where to join, reconnects with backoff and resumes from the last seq:
    // the campaign may go on the air later, or switch transport while the page is open.
    const client = connectLive({
      campaignId,
      token: session.token,
      apiUrl: apiBase(window.location.pathname),
      userId: session.sub,
      frames: 'delta',
      rewriteUrl: (url, transport) => liveUrl(url, transport, ws, window.location),
      onStatus: (status) => setLive((l) => ({ ...l, status, transport: client.transport })),
      onState: (_board, frame) => {
        const now = Date.now();
        arrivals.current = [...arrivals.current.filter((t) => now - t < RATE_WINDOW_MS), now];
        setLive((l) => ({ ...l, onAir: true, frame, rate: rateOf(arrivals.current) }));
      },
      onGap: (gap) => setLive((l) => ({ ...l, gap, missed: l.missed + gap.missed })),
      onNotice: (n) =>
        setLive((l) =>
          n.type === 'broadcast.started' ? { ...l, onAir: true } : { ...l, onAir: false, rate: 0 },
        ),
    });
    const decay = setInterval(() => {
      const now = Date.now();
      arrivals.current = arrivals.current.filter((t) => now - t < RATE_WINDOW_MS);
      const rate = rateOf(arrivals.current);
      setLive((l) => (l.rate === rate ? l : { ...l, rate }));
    }, 500);
    return () => {
      clearInterval(decay);
      client.close();
    };
  }, [enabled, campaignId, session.sub, session.token, ws]);
  return live;
}

function ScoreForm({ session, campaignId }: { session: Session; campaignId: string }) {
  const [user, setUser] = useState('');
  const [delta, setDelta] = useState('10');
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState<string>();
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    setDone(undefined);
    try {
      const r = await call<{ user: string; score: number }>(
        session.token,
        'POST',
        `/api/campaigns/${encodeURIComponent(campaignId)}/scores`,
        { user, delta: Number(delta) },
      );
      setDone(`${r.user} now has ${r.score}`);
    } catch (err) {
      setError(err);
    }
  };
  const fields = error instanceof ApiError ? error.fieldErrors() : {};
  return (
    <form onSubmit={submit} class="inline-form" aria-label="Post a score">
      <label>
        User
        <input name="user" value={user} required onInput={(e) => setUser(e.currentTarget.value)} />
        {fields.user && <span class="field-error">{fields.user}</span>}
      </label>
      <label>
        Delta
        <input
          name="delta"
          type="number"
          value={delta}
          required
          onInput={(e) => setDelta(e.currentTarget.value)}
        />
        {fields.delta && <span class="field-error">{fields.delta}</span>}
      </label>
      <button type="submit">Post score</button>
      <ErrorBox error={error} />
      {done && (
        <output class="ok" aria-live="polite">
          {done}
        </output>
      )}
    </form>
  );
}

export function CampaignView({
  session,
  id,
  ws,
}: {
  session: Session;
  id: string;
  ws: WebSocketConfig | undefined;
}) {
  const campaign = useApi<{ id: string; name?: string; metadata?: { scheduling?: { frequency?: number } } }>(
    session.token,
    `/api/campaigns/${encodeURIComponent(id)}`,
  );
  // An unknown campaign refuses every connection: do not knock on its door every 3 s.
  const gone = campaign.error instanceof ApiError && campaign.error.status === 404;
  const live = useLive(!gone, id, session, ws);
  const f = live.frame;
  const air = live.onAir === undefined ? 'waiting for frames' : live.onAir ? 'on air' : 'off air';
  return (
    <>
      <Section title={`Campaign ${campaign.data?.name ?? id}`} id="campaign">
        <ErrorBox error={campaign.error} />
        <dl class="stats">
          <div>
            <dt>Status</dt>
            <dd
              data-testid="on-air"
              class={live.onAir ? 'on-air' : ''}
              aria-busy={live.onAir === undefined ? 'true' : 'false'}
            >
              {air}
            </dd>
          </div>
          <div>
            <dt>Connection</dt>
            <dd data-testid="connection">
              {live.status}
              {live.transport && ` (${live.transport})`}
            </dd>
          </div>
          <div>
            <dt>Participants</dt>
            <dd data-testid="participants">{f?.payload.live_participant_count ?? '—'}</dd>
          </div>
          <div>
            <dt>Frame rate</dt>
            <dd data-testid="rate">{live.rate} /s</dd>
          </div>
          <div>
            <dt>seq</dt>
            <dd data-testid="seq">{f?.seq ?? '—'}</dd>
          </div>
          <div>
            <dt>Missed</dt>
            <dd data-testid="missed-total">{live.missed}</dd>
          </div>
          <div>
            <dt>Scheduled rate</dt>
            <dd>{campaign.data?.metadata?.scheduling?.frequency ?? '—'} Hz</dd>
          </div>
        </dl>
        {live.gap && (
          <p data-testid="gap" class="muted" role="status">
            missed {live.gap.missed} frame{live.gap.missed === 1 ? '' : 's'} (seq {live.gap.from ?? '—'} →{' '}
            {live.gap.to})
          </p>
        )}
      </Section>
      <Section title="Leaderboard" id="leaderboard">
        <table data-testid="leaderboard" aria-live="off">
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">User</th>
              <th scope="col">Score</th>
            </tr>
          </thead>
          <tbody>
            {(f?.payload.leaderboard ?? []).map((r, i) => (
              <tr key={r.user} data-user={r.user}>
                <td>{i + 1}</td>
                <td>{r.user}</td>
                <td class="num">{r.score}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {!f && <p class="muted">No frame yet: the leaderboard appears while the campaign is on the air.</p>}
      </Section>
      {(session.role === 'admin' || session.role === 'service') && (
        <Section title="Score" id="score">
          <ScoreForm session={session} campaignId={id} />
        </Section>
      )}
    </>
  );
}
