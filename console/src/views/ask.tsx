/**
 * `#/ask`: "Ask Tempora" (docs/converse.md). A question goes to `POST /api/converse`; the page
 * shows the intent it was read as, the answer, its facts (one table per kind) and the proposed
 * actions, each with a Confirm button that calls `POST /api/converse/confirm` with its token.
 * Nothing is performed until then, and then as the signed-in caller.
 */
import { useState } from 'preact/hooks';
import { call } from '../api.ts';
import type { Session } from '../session.ts';
import { ErrorBox, Section, when } from '../ui.tsx';
import { cell, type Fact, factTables } from './ask-facts.ts';

interface Action {
  kind: string;
  description: string;
  method: string;
  path: string;
  body?: Record<string, unknown>;
  confirmation_token: string;
  expires_at: string;
}
export interface ConverseAnswer {
  intent: string;
  answer: string;
  facts: Fact[];
  actions?: Action[];
}

/** Longest question the API takes (a longer one is its 413). */
const MAX_TEXT = 2000;
const EXAMPLES = [
  'what depends on campaign',
  'what breaks if campaign.updated changes',
  'what will happen to user <id>',
  'why was campaign <id> archived',
  'cancel the retention of user <id>',
];

function Facts({ facts }: { facts: readonly Fact[] }) {
  if (facts.length === 0) return <p class="muted">No facts.</p>;
  return (
    <div data-testid="ask-facts">
      {factTables(facts).map((t) => (
        <table key={t.kind} class="facts" data-kind={t.kind}>
          <caption>
            {t.kind} ({t.rows.length})
          </caption>
          <thead>
            <tr>
              {t.columns.map((c) => (
                <th scope="col" key={c}>
                  {c}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {t.rows.map((f, i) => (
              // Facts have no id of their own; their order is the answer's (sorted, deterministic).
              <tr key={i}>
                {t.columns.map((c) => (
                  <td key={c}>{cell(f[c])}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      ))}
    </div>
  );
}

/** One proposed action: what it would do, until when, and the button that performs it. */
function ProposedAction({ token, action }: { token: string; action: Action }) {
  const [result, setResult] = useState<ConverseAnswer>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const confirm = async () => {
    setBusy(true);
    setError(undefined);
    try {
      setResult(
        await call<ConverseAnswer>(token, 'POST', '/api/converse/confirm', {
          token: action.confirmation_token,
        }),
      );
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const status = result?.facts.find((f) => f.kind === 'result')?.status;
  return (
    <li data-action={action.kind}>
      <p>
        <strong>{action.description}</strong>
        <br />
        <code>
          {action.method} {action.path}
          {action.body ? ` ${JSON.stringify(action.body)}` : ''}
        </code>{' '}
        <span class="muted">· confirm before {when(action.expires_at)}</span>
      </p>
      <button type="button" onClick={confirm} disabled={busy || result !== undefined}>
        {result ? 'Confirmed' : busy ? 'Confirming…' : 'Confirm'}
      </button>
      <ErrorBox error={error} title="The confirmation was refused" />
      {result && (
        <p
          data-testid="ask-result"
          role="status"
          class={typeof status === 'number' && status < 400 ? 'ok' : 'error'}
        >
          {result.answer}
          {typeof status === 'number' ? ` (HTTP ${status})` : ''}
        </p>
      )}
    </li>
  );
}

export function AskView({ session }: { session: Session }) {
  const [text, setText] = useState('');
  const [answer, setAnswer] = useState<ConverseAnswer>();
  const [asked, setAsked] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const ask = async (e: Event) => {
    e.preventDefault();
    const question = text.trim();
    if (!question) return;
    setBusy(true);
    setError(undefined);
    try {
      setAnswer(await call<ConverseAnswer>(session.token, 'POST', '/api/converse', { text: question }));
      setAsked(question);
    } catch (err) {
      setAnswer(undefined);
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <Section title="Ask Tempora" id="ask">
        <form class="ask" aria-label="Ask Tempora" onSubmit={ask}>
          <label for="question">Question</label>
          <div class="ask-row">
            <input
              id="question"
              name="question"
              value={text}
              maxLength={MAX_TEXT}
              placeholder="what depends on campaign"
              aria-describedby="ask-help"
              onInput={(e) => setText(e.currentTarget.value)}
            />
            <button type="submit" disabled={busy}>
              {busy ? 'Asking…' : 'Ask'}
            </button>
          </div>
          <p id="ask-help" class="muted">
            Answers come from the scheduler's intents, the audit trail and the knowledge graph, read with your
            token. Cancels and reschedules are only proposed: nothing happens until you confirm. Try:
          </p>
          <div class="chips">
            {EXAMPLES.map((q) => (
              <button type="button" key={q} onClick={() => setText(q)}>
                {q}
              </button>
            ))}
          </div>
        </form>
        <ErrorBox error={error} />
      </Section>
      {answer && (
        <Section title="Answer" id="answer">
          <p class="muted">
            “{asked}” read as{' '}
            <code class="status" data-testid="ask-intent">
              {answer.intent}
            </code>
          </p>
          <p data-testid="ask-answer" class="answer">
            {answer.answer}
          </p>
          {answer.actions && answer.actions.length > 0 && (
            <>
              <h3>Proposed actions</h3>
              <ul class="actions" data-testid="ask-actions">
                {answer.actions.map((a) => (
                  <ProposedAction key={a.confirmation_token} token={session.token} action={a} />
                ))}
              </ul>
            </>
          )}
          <h3>Facts</h3>
          <Facts facts={answer.facts} />
        </Section>
      )}
    </>
  );
}
