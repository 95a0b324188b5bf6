/**
 * `POST /api/converse` and `POST /api/converse/confirm` (lib/converse/contract.ts).
 * Both read and act through the API with the caller's own token (lib/converse/api.ts).
 */
import type { Principal } from '../auth/tokens.ts';
import { payloadTooLarge } from '../errors.ts';
import { inputOf, type Routes } from '../lambda-kit/http-types.ts';
import { json } from '../lambda-kit/response.ts';
import { type Answer, answer } from './answers.ts';
import type { ApiCall } from './api.ts';
import { apiReader } from './api.ts';
import type { ConfirmationStore } from './confirmations.ts';
import { MAX_CONVERSE_TEXT } from './contract.ts';

export interface ConverseDeps {
  call: ApiCall;
  confirmations: Pick<ConfirmationStore, 'propose' | 'claim' | 'release'>;
  entityTypes: readonly string[];
  now?: () => number;
}

/** The caller's bearer token, as it came (the kit verified it). */
const bearerOf = (headers: Record<string, string>): string =>
  (headers.authorization ?? '').replace(/^Bearer\s+/i, '');

function principalOf(p: Principal | undefined): Principal {
  if (!p) throw new Error('route requires a principal');
  return p;
}

export function converseRoutes(deps: ConverseDeps): Routes {
  const now = deps.now ?? Date.now;
  return {
    'POST /api/converse': {
      handler: async (req) => {
        const { body } = inputOf<unknown, unknown, { text: string }>(req);
        const length = [...body.text].length;
        if (length > MAX_CONVERSE_TEXT)
          throw payloadTooLarge(`text is ${length} characters; at most ${MAX_CONVERSE_TEXT}`, {
            field: 'text',
            limit: MAX_CONVERSE_TEXT,
          });
        const caller = principalOf(req.principal);
        const at = now();
        const reply: Answer = await answer(body.text, {
          reader: apiReader(deps.call, bearerOf(req.headers), req.correlationId),
          entityTypes: deps.entityTypes,
          now: at,
        });
        const { proposals, ...rest } = reply;
        if (!proposals?.length) return json(200, rest);
        const actions = [];
        for (const p of proposals) {
          const { token, expires_at } = await deps.confirmations.propose(p, caller, at);
          actions.push({ ...p, confirmation_token: token, expires_at });
        }
        return json(200, { ...rest, actions });
      },
    },
    'POST /api/converse/confirm': {
      handler: async (req) => {
        const { body } = inputOf<unknown, unknown, { token: string }>(req);
        const caller = principalOf(req.principal);
        const { action, claim } = await deps.confirmations.claim(body.token, caller, now());
        let result: Awaited<ReturnType<ApiCall>>;
        try {
          result = await deps.call(action.method, action.path, {
            token: bearerOf(req.headers),
            correlationId: req.correlationId,
            ...(action.body ? { body: action.body } : {}),
          });
        } catch (e) {
          await deps.confirmations.release(body.token, claim);
          throw e;
        }
        if (result.status >= 500) {
          await deps.confirmations.release(body.token, claim);
          throw new Error(`${action.method} ${action.path} answered ${result.status}`);
        }
        const ok = result.status < 300;
        return json(200, {
          intent: 'confirm',
          answer: ok
            ? `Done: ${action.description}.`
            : `The platform refused: ${action.description} (${result.status}${errorText(result.body)}).`,
          facts: [
            {
              kind: 'result',
              action: action.kind,
              method: action.method,
              path: action.path,
              status: result.status,
              body: result.body,
            },
          ],
        });
      },
    },
  };
}

const errorText = (body: unknown): string => {
  const e = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
  return e ? ` ${e.code}: ${e.message}` : '';
};
