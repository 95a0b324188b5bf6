/**
 * The Tempora console: one page, hash routes, served by the stack (docs/console.md).
 *   #/graph                    services graph, impact, history
 *   #/campaigns/<id>           live campaign over the WebSocket
 *   #/entities/<type>/<id>     metadata, intents, audit trail
 *   #/policies                 the policy matrix (admins edit)
 *   #/ask                      Ask Tempora: questions, answers, confirmed actions
 *   #/intents[?filters]        intents across entities: search, summary, reschedule, cancel
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { publicJson } from './api.ts';
import { parseRoute } from './routes.ts';
import { decodeToken, initialSession, type Session, saveSession } from './session.ts';
import { ErrorBox } from './ui.tsx';
import { AskView } from './views/ask.tsx';
import { CampaignView } from './views/campaign.tsx';
import { EntityView } from './views/entity.tsx';
import { GraphView } from './views/graph.tsx';
import { IntentsView } from './views/intents.tsx';
import { PoliciesView } from './views/policies.tsx';
import type { WebSocketConfig } from './ws.ts';

interface ConsoleConfig {
  environment: string;
  webSocket: WebSocketConfig;
}

function useHash(): string {
  const [hash, setHash] = useState(window.location.hash);
  useEffect(() => {
    const on = () => setHash(window.location.hash);
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return hash;
}

function SignIn({ onSession }: { onSession: (s: Session) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string>();
  const submit = (e: Event) => {
    e.preventDefault();
    const s = decodeToken(token);
    if ('error' in s) setError(s.error);
    else onSession(s);
  };
  return (
    <main id="main" class="signin">
      <h1>Tempora console</h1>
      <form onSubmit={submit} aria-label="Sign in">
        <label for="token">Bearer token (JWT)</label>
        <textarea
          id="token"
          name="token"
          rows={5}
          value={token}
          required
          aria-invalid={error ? 'true' : undefined}
          aria-describedby="token-help"
          onInput={(e) => setToken(e.currentTarget.value)}
        />
        <p id="token-help" class="muted">
          Locally: <code>npx tempora token --role admin</code>, or open the link <code>npm run local</code>{' '}
          prints. The token stays in this tab's session storage.
        </p>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit">Sign in</button>
      </form>
    </main>
  );
}

function GoTo() {
  const [campaign, setCampaign] = useState('');
  const [entity, setEntity] = useState('');
  return (
    <div class="goto">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (campaign) window.location.hash = `#/campaigns/${encodeURIComponent(campaign.trim())}`;
        }}
      >
        <label>
          Campaign id <input value={campaign} onInput={(e) => setCampaign(e.currentTarget.value)} />
        </label>
        <button type="submit">Open</button>
      </form>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const [t, i] = entity.trim().split('/');
          if (t && i) window.location.hash = `#/entities/${encodeURIComponent(t)}/${encodeURIComponent(i)}`;
        }}
      >
        <label>
          Entity (type/id) <input value={entity} onInput={(e) => setEntity(e.currentTarget.value)} />
        </label>
        <button type="submit">Open</button>
      </form>
    </div>
  );
}

function App() {
  const [session, setSession] = useState<Session | undefined>(initialSession);
  const [config, setConfig] = useState<ConsoleConfig>();
  const [configError, setConfigError] = useState<unknown>();
  const hash = useHash();
  useEffect(() => {
    publicJson<ConsoleConfig>('/console/config.json').then(setConfig, setConfigError);
  }, []);
  const signIn = (s: Session | undefined) => {
    saveSession(s);
    setSession(s);
  };
  if (!session) return <SignIn onSession={signIn} />;
  const route = parseRoute(hash);
  const link = (href: string, label: string, active: boolean) => (
    <a href={href} aria-current={active ? 'page' : undefined}>
      {label}
    </a>
  );
  const expired = session.exp !== undefined && session.exp * 1000 < Date.now();
  return (
    <>
      <header>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <strong class="brand">Tempora console</strong>
        <nav aria-label="Views">
          {link('#/graph', 'Graph', route.view === 'graph')}
          {link('#/policies', 'Policies', route.view === 'policies')}
          {link('#/ask', 'Ask', route.view === 'ask')}
          {link('#/intents', 'Intents', route.view === 'intents')}
        </nav>
        <GoTo />
        <span class="who">
          {session.sub} · <strong data-testid="role">{session.role}</strong>
          {config ? ` · ${config.environment}` : ''}
          <button type="button" onClick={() => signIn(undefined)}>
            Sign out
          </button>
        </span>
      </header>
      <main id="main">
        {expired && (
          <div class="error" role="alert">
            This token has expired: sign out and paste a new one.
          </div>
        )}
        <ErrorBox error={configError} title="The console configuration could not be read" />
        {route.view === 'graph' && <GraphView session={session} />}
        {route.view === 'campaign' && (
          <CampaignView key={route.id} session={session} id={route.id} ws={config?.webSocket} />
        )}
        {route.view === 'entity' && (
          <EntityView key={`${route.type}/${route.id}`} session={session} type={route.type} id={route.id} />
        )}
        {route.view === 'policies' && (
          <PoliciesView
            key={config?.environment ?? ''}
            session={session}
            environment={config?.environment ?? 'dev'}
          />
        )}
        {route.view === 'ask' && <AskView session={session} />}
        {route.view === 'intents' && <IntentsView session={session} initial={route.filter} />}
        {route.view === 'unknown' && (
          <div class="error" role="alert">
            No view at <code>{route.hash}</code>: try <a href="#/graph">#/graph</a>.
          </div>
        )}
      </main>
    </>
  );
}

const root = document.getElementById('app');
if (root) render(<App />, root);
