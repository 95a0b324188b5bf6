/**
 * `#/campaigns/<id>`: a campaign's live state over the broadcast WebSocket (docs/broadcast.md):
 * leaderboard, participant count, frame rate and `seq`, on/off air, updated as frames arrive;
 * admins (and services) get a score form.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, call } from '../api.ts';
import type { Session } from '../session.ts';
import { ErrorBox, Section, useApi } from '../ui.tsx';
import { type WebSocketConfig, webSocketUrl } from '../ws.ts';

interface Row {
  user: string;
  score: number;
}
interface StateFrame {
  type: 'campaign.state';
  seq: number;
  ts: string;
  payload: { leaderboard: Row[]; live_participant_count: number };
}
type Frame = StateFrame | { type: 'broadcast.started' | 'broadcast.stopped'; ts: string } | { type?: string };

const RATE_WINDOW_MS = 2000;
const rateOf = (arrivals: readonly number[]): number =>
  Math.round((arrivals.length / (RATE_WINDOW_MS / 1000)) * 10) / 10;

interface Live {
  status: 'connecting' | 'open' | 'closed';
  onAir: boolean | undefined;
  frame: StateFrame | undefined;
  /** Frames per second, averaged over the last two seconds. */
  rate: number;
  frames: number;
}

function useLive(url: string | undefined, campaignId: string, session: Session): Live {
  const [live, setLive] = useState<Live>({
    status: 'connecting',
    onAir: undefined,
    frame: undefined,
    rate: 0,
    frames: 0,
  });
  const arrivals = useRef<number[]>([]);
  useEffect(() => {
    if (!url) return;
    let stopped = false;
    let socket: WebSocket | undefined;
    let retry: ReturnType<typeof setTimeout> | undefined;
    const open = () => {
      const q = new URLSearchParams({ campaign_id: campaignId, user_id: session.sub, token: session.token });
      socket = new WebSocket(`${url}?${q.toString()}`);
      setLive((l) => ({ ...l, status: 'connecting' }));
      socket.onopen = () => setLive((l) => ({ ...l, status: 'open' }));
      socket.onmessage = (m) => {
        let f: Frame;
        try {
          f = JSON.parse(String(m.data)) as Frame;
        } catch {
          return;
        }
        if (f.type === 'campaign.state') {
          const now = Date.now();
          arrivals.current = [...arrivals.current.filter((t) => now - t < RATE_WINDOW_MS), now];
          setLive((l) => ({
            ...l,
            onAir: true,
            frame: f as StateFrame,
            frames: l.frames + 1,
            rate: rateOf(arrivals.current),
          }));
        } else if (f.type === 'broadcast.started') setLive((l) => ({ ...l, onAir: true }));
        else if (f.type === 'broadcast.stopped') setLive((l) => ({ ...l, onAir: false, rate: 0 }));
      };
      socket.onclose = () => {
        setLive((l) => ({ ...l, status: 'closed' }));
        // A refused or dropped connection is retried: the campaign may go on the air later.
        if (!stopped) retry = setTimeout(open, 3000);
      };
    };
    open();
    const decay = setInterval(() => {
      const now = Date.now();
      arrivals.current = arrivals.current.filter((t) => now - t < RATE_WINDOW_MS);
      const rate = rateOf(arrivals.current);
      setLive((l) => (l.rate === rate ? l : { ...l, rate }));
    }, 500);
    return () => {
      stopped = true;
      clearTimeout(retry);
      clearInterval(decay);
      socket?.close();
    };
  }, [url, campaignId, session.sub, session.token]);
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
  const live = useLive(ws && !gone ? webSocketUrl(ws, window.location) : undefined, id, session);
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
            <dt>Socket</dt>
            <dd>{live.status}</dd>
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
            <dt>Scheduled rate</dt>
            <dd>{campaign.data?.metadata?.scheduling?.frequency ?? '—'} Hz</dd>
          </div>
        </dl>
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
