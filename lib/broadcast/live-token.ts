/**
 * Live tokens: a bearer JWT that lets its holder watch one campaign and do nothing else.
 *
 * `GET /api/campaigns/{id}/live` answers one for the caller (same `sub` and `role`, audience
 * `tempora-live`, claim `campaign`, valid {@link LIVE_TOKEN_TTL_SECONDS}), signed with the stack's
 * current key. A client puts it where a browser shows it to anybody who looks (the Event API's
 * connection header, a WebSocket URL's query) instead of its API token: it cannot call the API
 * (wrong audience) and it is refused on any other campaign's channel or WebSocket. The Event
 * API's authorizer and the WebSocket `$connect` take either kind, verified by the platform's one
 * check (lib/auth/verify.ts `verifyBearer(token, { live: true })`; ./watch-access.ts then applies
 * the campaign).
 */
import { SignJWT } from 'jose';
import { keyIdOf } from '../auth/platform-keys.ts';
import { ISSUER, LIVE_AUDIENCE, type Principal } from '../auth/tokens.ts';

export const LIVE_TOKEN_TTL_SECONDS = 3600;

/** Who a watch token names, and the one campaign a live token is for (undefined: an API token). */
export interface Watcher extends Principal {
  campaign?: string;
}

const encoder = new TextEncoder();

/** A live token for `principal` to watch `campaignId`, signed with `key` (the stack's current signing key). */
export function mintLiveToken(
  key: string,
  principal: Principal,
  campaignId: string,
  nowMs: number = Date.now(),
): Promise<string> {
  return new SignJWT({ role: principal.role, campaign: campaignId })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: keyIdOf(key) })
    .setSubject(principal.sub)
    .setIssuer(ISSUER)
    .setAudience(LIVE_AUDIENCE)
    .setIssuedAt(Math.floor(nowMs / 1000))
    .setExpirationTime(Math.floor(nowMs / 1000) + LIVE_TOKEN_TTL_SECONDS)
    .sign(encoder.encode(key));
}
