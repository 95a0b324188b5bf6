/**
 * Issue 27: what verifying a bearer token costs, per request, for each way of placing the check.
 *
 * In process (always), interleaved rounds of sequential verifications with warm keys:
 * - baseline: jose's `jwtVerify` of an HS256 token plus the claims schema, what every function ran
 *   before (lib/auth/tokens.ts `verifyToken`);
 * - `verifyBearer` (lib/auth/verify.ts): the platform's HS256 token, and a trusted issuer's RS256,
 *   ES256 and EdDSA tokens (key ids, role mapping and all);
 * - the cold path: an issuer's first token in a fresh function instance (discovery document and
 *   JWKS fetched from a loopback HTTP server).
 *
 * On the emulator (when `npm run local` is up): the round trip of `GET /api/notifications` with an
 * HS256 dev token and with an IdP token, and through API Gateway's JWT authorizer (a throwaway API
 * configured as infra/constructs/edge-auth.ts does) with a valid and with a forged token.
 *
 * Then the cost per million requests of each design, from the figures above and AWS's prices.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import * as z from 'zod/mini';
import { parsePlatformKeys } from '../lib/auth/platform-keys.ts';
import { refreshing } from '../lib/auth/refreshing.ts';
import { mintToken } from '../lib/auth/tokens.ts';
import { createVerifier, type Verifier } from '../lib/auth/verify.ts';
import { authConfigSchema } from '../lib/config/auth.ts';
import { idString } from '../lib/limits/index.ts';
import { ROLES } from '../lib/registry/types.ts';
import { emulator, percentile } from './emulator.ts';
import { printTable } from './lib.ts';

const SECRET = 'bench-signing-secret-0123456789abcdef-0123456789';
const ROUNDS = Number(process.env.BENCH_AUTH_ROUNDS ?? 7);
const PER_ROUND = Number(process.env.BENCH_AUTH_OPS ?? 400);
const HTTP_REQUESTS = Number(process.env.BENCH_AUTH_HTTP ?? 40);

/**
 * AWS prices (us-east-1, as published; edit here): Lambda on arm64 per GB-second and per request,
 * HTTP API per request (JWT authorizers are included in it).
 */
const PRICE = { lambdaGbSecond: 0.0000133334, lambdaRequest: 0.2e-6, httpApiRequest: 1e-6 };
/** Memory of a service function (infra default) and of a would-be authorizer function. */
const SERVICE_MB = 1024;
const AUTHORIZER_MB = 256;

/** The verification every function ran before issue 27 (jose's jwtVerify, HS256 only). */
const legacyClaims = z.object({ sub: idString(), role: z.enum(ROLES) });
const legacyKey = new TextEncoder().encode(SECRET);
async function legacyVerify(token: string): Promise<unknown> {
  const { payload } = await jwtVerify(token, legacyKey, {
    issuer: 'tempora',
    audience: 'tempora-api',
    algorithms: ['HS256'],
  });
  return legacyClaims.parse(payload);
}

/** A loopback OpenID issuer (discovery + JWKS) for the cold path and the in-process verifier. */
async function loopbackIssuer() {
  const keys = await Promise.all(
    (['RS256', 'ES256', 'EdDSA'] as const).map(async (alg) => {
      const pair = await generateKeyPair(alg);
      return {
        alg,
        kid: `bench-${alg}`,
        privateKey: pair.privateKey,
        jwk: { ...(await exportJWK(pair.publicKey)), kid: `bench-${alg}`, alg },
      };
    }),
  );
  let fetches = 0;
  const server = createServer((req, res) => {
    fetches++;
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const body =
      req.url === '/.well-known/openid-configuration'
        ? { issuer: base, jwks_uri: `${base}/jwks` }
        : { keys: keys.map((k) => k.jwk) };
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const config = authConfigSchema.parse({
    hs256: true,
    issuers: [
      {
        issuer,
        audiences: ['bench'],
        algorithms: ['RS256', 'ES256', 'EdDSA'],
        role_claim: 'groups',
        role_map: { players: 'user' },
      },
    ],
  });
  const verifier = (): Verifier =>
    createVerifier({
      config,
      platformKeys: refreshing(async () => parsePlatformKeys(SECRET), {
        maxAgeMs: 300_000,
        cooldownMs: 10_000,
        retryMs: 2_000,
      }),
    });
  const mint = (alg: 'RS256' | 'ES256' | 'EdDSA') => {
    const k = keys.find((x) => x.alg === alg);
    if (!k) throw new Error(alg);
    return new SignJWT({ groups: ['players'] })
      .setProtectedHeader({ alg, kid: k.kid })
      .setIssuer(issuer)
      .setAudience('bench')
      .setSubject('u-42')
      .setExpirationTime('1h')
      .sign(k.privateKey);
  };
  return {
    verifier,
    mint,
    fetches: () => fetches,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** Microseconds per call of `fn` over `n` sequential calls. */
async function usPer(fn: () => Promise<unknown>, n: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn();
  return ((performance.now() - t0) * 1000) / n;
}

const dollars = (x: number) => (x === 0 ? '$0' : `$${x < 0.01 ? x.toPrecision(2) : x.toFixed(2)}`);

export async function runAuthBench(): Promise<string> {
  const idp = await loopbackIssuer();
  try {
    const verify = idp.verifier();
    const hs = await mintToken(SECRET, { sub: 'u-42', role: 'user' });
    const tokens = {
      RS256: await idp.mint('RS256'),
      ES256: await idp.mint('ES256'),
      EdDSA: await idp.mint('EdDSA'),
    };
    const ok = async (t: string) => {
      const r = await verify(t);
      if (!r.ok) throw new Error(r.refusal.reason);
    };
    for (const t of [hs, ...Object.values(tokens)]) await ok(t); // warm: keys fetched and imported

    // Interleaved rounds: each variant runs once per round, so load on the machine hits all alike.
    const variants: Array<[string, () => Promise<unknown>]> = [
      ['baseline: jose jwtVerify HS256 (before)', () => legacyVerify(hs)],
      ['verifyBearer HS256 (platform key)', () => ok(hs)],
      ['verifyBearer RS256 (trusted issuer)', () => ok(tokens.RS256)],
      ['verifyBearer ES256 (trusted issuer)', () => ok(tokens.ES256)],
      ['verifyBearer EdDSA (trusted issuer)', () => ok(tokens.EdDSA)],
    ];
    const samples = new Map<string, number[]>(variants.map(([n]) => [n, []]));
    for (let round = 0; round < ROUNDS; round++)
      for (const [name, fn] of variants) samples.get(name)?.push(await usPer(fn, PER_ROUND));
    const median = (name: string) => percentile(samples.get(name) ?? [], 50);
    const base = median(variants[0]?.[0] ?? '');

    // Cold: a fresh verifier (a new function instance) meets the issuer's first token.
    const cold: number[] = [];
    for (let i = 0; i < 5; i++) {
      const fresh = idp.verifier();
      const t0 = performance.now();
      const r = await fresh(tokens.RS256);
      if (!r.ok) throw new Error(r.refusal.reason);
      cold.push(performance.now() - t0);
    }
    printTable([
      ...variants.map(([name]) => ({
        verification: name,
        'µs per request': median(name),
        'vs baseline': `×${(median(name) / base).toFixed(2)}`,
      })),
      {
        verification: 'first RS256 token of a function instance (discovery + JWKS)',
        'µs per request': percentile(cold, 50) * 1000,
        'vs baseline': '',
      },
    ]);

    const http = await onEmulator();

    // What each design costs per million requests (compute of the check in the function, plus
    // what the edge adds). Lambda bills per ms of duration, so a few µs more are mostly free.
    const rs = median('verifyBearer RS256 (trusted issuer)');
    const fnCheck = (rs / 1e6) * (SERVICE_MB / 1024) * PRICE.lambdaGbSecond * 1e6;
    const authorizerInvoke =
      PRICE.lambdaRequest * 1e6 +
      (Math.max(1, http?.warmInvokeMs ?? 5) / 1000) * (AUTHORIZER_MB / 1024) * PRICE.lambdaGbSecond * 1e6;
    console.log('\nCost per million requests of the check (HTTP API itself: $1.00):');
    printTable([
      {
        design: 'function check only (dev, several issuers)',
        'per 1M valid': dollars(fnCheck),
        'per 1M forged': dollars(fnCheck + PRICE.lambdaRequest * 1e6),
        latency: `+${rs.toFixed(0)} µs`,
      },
      {
        design: 'JWT authorizer + function check (one RS256 issuer)',
        'per 1M valid': dollars(fnCheck),
        'per 1M forged': dollars(0),
        latency: http ? `+${(http.edgeValidMs - http.idpMs).toFixed(1)} ms (emulator)` : 'n/a',
      },
      {
        design: 'cached Lambda authorizer + function check (not chosen)',
        'per 1M valid': `${dollars(fnCheck)} + ${dollars(authorizerInvoke)} per 1M cache misses`,
        'per 1M forged': dollars(authorizerInvoke),
        latency: `+1 invocation per miss (~${(http?.warmInvokeMs ?? 5).toFixed(0)} ms warm)`,
      },
    ]);
    return `auth: verifyBearer HS256 ${median('verifyBearer HS256 (platform key)').toFixed(0)} µs (jose baseline ${base.toFixed(0)} µs), RS256 ${rs.toFixed(0)} µs, ES256 ${median('verifyBearer ES256 (trusted issuer)').toFixed(0)} µs, EdDSA ${median('verifyBearer EdDSA (trusted issuer)').toFixed(0)} µs; cold JWKS ${percentile(cold, 50).toFixed(1)} ms; function check ${dollars(fnCheck)} per 1M requests${http ? `; emulator p50 HS256 ${http.hsMs.toFixed(1)} ms, IdP ${http.idpMs.toFixed(1)} ms, JWT authorizer valid ${http.edgeValidMs.toFixed(1)} ms, forged ${http.edgeForgedMs.toFixed(1)} ms (function ${http.fnForgedMs.toFixed(1)} ms)` : ''}`;
  } finally {
    await idp.close();
  }
}

interface HttpFigures {
  hsMs: number;
  idpMs: number;
  edgeValidMs: number;
  edgeForgedMs: number;
  fnForgedMs: number;
  /** A warm function's round trip on a public route (a stand-in for one authorizer invocation). */
  warmInvokeMs: number;
}

/** Round trips through the local stack, p50 of interleaved sequential requests; undefined without one. */
async function onEmulator(): Promise<HttpFigures | undefined> {
  console.log('\nOn the emulator (GET /api/notifications, p50 of interleaved requests):');
  const em = await emulator();
  if (!em) return undefined;
  process.env.TEMPORA_OUTPUTS ??= `${import.meta.dirname}/../.local/outputs.json`;
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // The same throwaway JWT-authorized API and local IdP tokens the integration tests use.
  const { loadLocalConfig } = await import('../localstack/config.ts');
  const { readLocalOutputs } = await import('../localstack/outputs.ts');
  const { jwtAuthorizedApi } = await import('../localstack/jwt-authorizer.ts');
  const { mintIssuerToken, newIssuerKey, requireIssuer } = await import('../localstack/oidc.ts');
  const out = readLocalOutputs(process.env.TEMPORA_OUTPUTS || loadLocalConfig().paths.outputsFile);
  const issuer = requireIssuer(loadLocalConfig());
  const edge = await jwtAuthorizedApi('GET /api/notifications', issuer.issuer, ['tempora-local']);
  try {
    const idpToken = (req: { sub: string; role: 'user'; key?: Awaited<ReturnType<typeof newIssuerKey>> }) =>
      mintIssuerToken(issuer, { ttlSeconds: 600, ...req });
    const idp = await idpToken({ sub: 'bench', role: 'user' });
    const forged = await idpToken({ sub: 'bench', role: 'user', key: await newIssuerKey('RS256') });
    const get = async (base: string, path: string, token?: string) => {
      const t0 = performance.now();
      const r = await fetch(`${base}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
      await r.arrayBuffer();
      return { ms: performance.now() - t0, status: r.status };
    };
    const cases: Array<[string, () => ReturnType<typeof get>, number]> = [
      [
        'function check, HS256 dev token',
        () => get(out.httpApiUrl, '/api/notifications', out.tokens.user),
        200,
      ],
      ['function check, IdP RS256 token', () => get(out.httpApiUrl, '/api/notifications', idp), 200],
      ['JWT authorizer + function, IdP token', () => get(edge.url, '/api/notifications', idp), 200],
      [
        'JWT authorizer, forged token (no function runs)',
        () => get(edge.url, '/api/notifications', forged),
        401,
      ],
      ['function check, forged token', () => get(out.httpApiUrl, '/api/notifications', forged), 401],
      [
        'public route (one warm function, no token)',
        () => get(out.httpApiUrl, '/api/notifications/health'),
        200,
      ],
    ];
    const ms = new Map<string, number[]>(cases.map(([n]) => [n, []]));
    for (const [name, run, status] of cases) {
      const r = await run(); // warm
      if (r.status !== status) {
        console.log(
          `  skipped: ${name} answered ${r.status}, not ${status} (is the emulator's JWT authorizer working? docs/local.md)`,
        );
        return undefined;
      }
    }
    for (let i = 0; i < HTTP_REQUESTS; i++)
      for (const [name, run] of cases) ms.get(name)?.push((await run()).ms);
    const p50 = (name: string) => percentile(ms.get(name) ?? [], 50);
    printTable(
      cases.map(([name]) => ({
        request: name,
        'p50 ms': p50(name),
        'p90 ms': percentile(ms.get(name) ?? [], 90),
      })),
    );
    const [hs, idpCase, edgeValid, edgeForged, fnForged, warm] = cases.map(([n]) => p50(n));
    return {
      hsMs: hs ?? 0,
      idpMs: idpCase ?? 0,
      edgeValidMs: edgeValid ?? 0,
      edgeForgedMs: edgeForged ?? 0,
      fnForgedMs: fnForged ?? 0,
      warmInvokeMs: warm ?? 0,
    };
  } finally {
    await edge.remove();
  }
}
