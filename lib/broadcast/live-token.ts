/**
 * Live tokens: a bearer JWT that lets its holder watch one campaign and do nothing else.
 *
 * `GET /api/campaigns/{id}/live` answers one for the caller (same `sub` and `role`, audience
 * `tempora-live`, claim `campaign`, valid {@link LIVE_TOKEN_TTL_SECONDS}). A client puts it
 * where a browser shows it to anybody who looks (the Event API's connection header, a
 * WebSocket URL's query) instead of its API token: it cannot call the API (wrong audience) and
 * it is refused on any other campaign's channel or WebSocket. The Event API's authorizer and
 * the WebSocket `$connect` take either kind (./watch-access.ts).
 */
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import * as z from 'zod/mini';
import { AUDIENCE, ISSUER, type Principal } from '../auth/tokens.ts';
import { unauthorized } from '../errors.ts';
import { ROLES } from '../registry/types.ts';

export const LIVE_AUDIENCE = 'tempora-live';
export const LIVE_TOKEN_TTL_SECONDS = 3600;

/** Who a watch token names, and the one campaign a live token is for (undefined: an API token). */
export interface Watcher extends Principal {
  campaign?: string;
}

const claimsSchema = z.object({
  sub: z.string().check(z.minLength(1), z.maxLength(256)),
  role: z.enum(ROLES),
  aud: z.union([z.string(), z.array(z.string())]),
  campaign: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
});

const encoder = new TextEncoder();

/** A live token for `principal` to watch `campaignId`. */
export function mintLiveToken(
  secret: string,
  principal: Principal,
  campaignId: string,
  nowMs: number = Date.now(),
): Promise<string> {
  return new SignJWT({ role: principal.role, campaign: campaignId })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(principal.sub)
    .setIssuer(ISSUER)
    .setAudience(LIVE_AUDIENCE)
    .setIssuedAt(Math.floor(nowMs / 1000))
    .setExpirationTime(Math.floor(nowMs / 1000) + LIVE_TOKEN_TTL_SECONDS)
    .sign(encoder.encode(secret));
}

/** Verify an API token or a live token; any failure is a 401 with a reason. */
export async function verifyWatchToken(secret: string, token: string): Promise<Watcher> {
  try {
    const { payload } = await jwtVerify(token, encoder.encode(secret), {
      issuer: ISSUER,
      audience: [AUDIENCE, LIVE_AUDIENCE],
      algorithms: ['HS256'],
    });
    const claims = claimsSchema.safeParse(payload);
    if (!claims.success)
      throw unauthorized('Token claims must include sub and role (user | admin | service)');
    const { sub, role, aud, campaign } = claims.data;
    const live = (Array.isArray(aud) ? aud : [aud]).includes(LIVE_AUDIENCE);
    if (live && campaign === undefined) throw unauthorized('A live token names its campaign');
    return live ? { sub, role, campaign } : { sub, role };
  } catch (e) {
    if (e instanceof joseErrors.JWTExpired) throw unauthorized('Token expired');
    if (e instanceof joseErrors.JOSEError) throw unauthorized('Invalid token');
    throw e;
  }
}
