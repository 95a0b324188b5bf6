/**
 * Trusted issuers in infra: the per-environment `auth` setting (infra/config.ts), the trust every
 * token-verifying function reads (`TEMPORA_AUTH` beside `JWT_SECRET_ID`), and API Gateway's JWT
 * authorizer on exactly the protected routes when the trust fits one (infra/constructs/edge-auth.ts,
 * in the API stack).
 */
import * as fs from 'node:fs';
import type { Stack } from 'aws-cdk-lib';
import { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { afterAll, describe, expect, it } from 'vitest';
import { LOCAL_ISSUER_TRUST, resolveConfig } from '../../../infra/config.ts';
import { edgeIssuer } from '../../../infra/constructs/edge-auth.ts';
import {
  type AuthConfig,
  type AuthConfigInput,
  authConfigSchema,
  type TrustedIssuerInput,
} from '../../../lib/config/auth.ts';
import { gatewayRoutes, routeKey } from '../../../lib/registry/index.ts';
import { mergedTemplate, platformApp } from '../support/platform.ts';
import { functionsOf, resourcesOf } from '../support/template.ts';

const COGNITO = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123';
const cognito: TrustedIssuerInput = {
  issuer: COGNITO,
  audiences: ['3n4b5urk1ft4fl3mg5e62d9ado'],
  role_claim: 'cognito:groups',
  role_map: { admins: 'admin', players: 'user' },
};
const auth = (c: AuthConfigInput): AuthConfig => authConfigSchema.parse(c);

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** The platform of `environment` (its stacks' templates read as one), with `context`. */
function synth(environment: string, context: Record<string, unknown> = {}) {
  const { app, stacks, outdir } = platformApp({ environment, context });
  dirs.push(outdir);
  app.synth();
  const all: Stack[] = stacks.all;
  const template = mergedTemplate(new CloudAssembly(outdir), all);
  return { stacks: all, template };
}

/** A context reader over `values` (what `app.node.tryGetContext` answers). */
const ctx =
  (values: Record<string, unknown>) =>
  (key: string): unknown =>
    values[key];

const TIMEOUT = 180_000;

describe('per-environment auth settings (infra/config.ts)', () => {
  it('dev accepts its own HS256 tokens by default; other environments only when told', () => {
    expect(resolveConfig('dev').auth).toEqual({ hs256: true, issuers: [] });
    expect(() => resolveConfig('prod')).toThrow(/Tempora-prod would accept no token/);
    expect(resolveConfig('prod', ctx({ 'tempora:prod': { auth: { hs256: true } } })).auth.hs256).toBe(true);
    expect(resolveConfig('prod', ctx({ 'auth.hs256': 'true' })).auth.hs256).toBe(true);
  });

  it('reads issuers from the context (an object from cdk.json, or JSON from -c), with defaults', () => {
    const withDefaults = {
      hs256: false,
      issuers: [{ ...cognito, algorithms: ['RS256'], subject_claim: 'sub' }],
    };
    expect(resolveConfig('prod', ctx({ 'tempora:prod': { auth: { issuers: [cognito] } } })).auth).toEqual(
      withDefaults,
    );
    expect(resolveConfig('staging', ctx({ 'auth.issuers': JSON.stringify([cognito]) })).auth).toEqual(
      withDefaults,
    );
    // An issuer added to dev keeps dev's HS256 tokens (settings merge key by key).
    expect(resolveConfig('dev', ctx({ 'tempora:dev': { auth: { issuers: [cognito] } } })).auth.hs256).toBe(
      true,
    );
  });

  it('names the bad field of a bad setting', () => {
    const bad = (issuers: unknown[]) => () =>
      resolveConfig('prod', ctx({ 'tempora:prod': { auth: { issuers } } }));
    expect(bad([{ ...cognito, issuer: 'http://idp.example.com' }])).toThrow(
      /auth\.issuers\.0\.issuer must be an https URL/,
    );
    expect(bad([{ ...cognito, algorithms: ['HS256'] }])).toThrow(/auth\.issuers\.0\.algorithms/);
    expect(bad([{ ...cognito, audiences: [] }])).toThrow(/auth\.issuers\.0\.audiences/);
    expect(bad([cognito, cognito])).toThrow(/each issuer may be listed once/);
    expect(() => resolveConfig('prod', ctx({ 'auth.issuers': '[not json' }))).toThrow(/auth\.issuers/);
    expect(() => resolveConfig('prod', ctx({ 'tempora:prod': { auth: { iam: {} } } }))).toThrow(
      /auth\.iam is not a setting/,
    );
  });

  it('trusts the local issuer on a stack deployed by npm run local', () => {
    const local = 'http://127.0.0.1:4630/tempora-dev-idp';
    const a = resolveConfig('dev', ctx({ localIssuer: local })).auth;
    expect(a.hs256).toBe(true);
    expect(a.issuers).toEqual([
      {
        issuer: local,
        ...LOCAL_ISSUER_TRUST,
        algorithms: [...LOCAL_ISSUER_TRUST.algorithms],
        subject_claim: 'sub',
      },
    ]);
    expect(() => resolveConfig('dev', ctx({ localIssuer: 'http://idp.example.com' }))).toThrow(/localIssuer/);
  });
});

describe('edgeIssuer: when API Gateway’s JWT authorizer can check every token', () => {
  it('one https issuer, RS256 only, discovered keys, no platform tokens', () => {
    expect(edgeIssuer(auth({ hs256: false, issuers: [cognito] }))).toEqual({
      issuer: expect.objectContaining({ issuer: COGNITO }),
    });
  });

  it.each([
    ['the platform’s HS256 tokens are accepted', { hs256: true, issuers: [cognito] }, /HS256/],
    [
      'two issuers',
      { hs256: false, issuers: [cognito, { ...cognito, issuer: 'https://login.example.com' }] },
      /trusts 2/,
    ],
    [
      'ES256 is allowed',
      { hs256: false, issuers: [{ ...cognito, algorithms: ['RS256', 'ES256'] }] },
      /RSA signatures only/,
    ],
    [
      'jwks_uri is set',
      { hs256: false, issuers: [{ ...cognito, jwks_uri: `${COGNITO}/keys` }] },
      /discovery document only/,
    ],
    [
      'a loopback http issuer',
      { hs256: false, issuers: [{ ...cognito, issuer: 'http://127.0.0.1:4566/idp' }] },
      /not an https issuer/,
    ],
  ] as Array<[string, AuthConfigInput, RegExp]>)('none when %s', (_w, config, why) => {
    const r = edgeIssuer(auth(config));
    expect('reason' in r && r.reason).toMatch(why);
  });
});

describe('the stacks', () => {
  it(
    'dev: every function that reads the signing key reads the trust too; no JWT authorizer',
    () => {
      const { stacks, template } = synth('test');
      const fns = functionsOf(template, stacks);
      const verifying = fns.filter((f) => f.vars.JWT_SECRET_ID !== undefined);
      expect(verifying.length).toBeGreaterThan(15);
      // The live-campaign functions too: the WebSocket $connect and the Event API's authorizer.
      expect(verifying.map((f) => f.path)).toEqual(
        expect.arrayContaining(['Broadcast/Service', 'Broadcast/EventsAuthorizer']),
      );
      for (const f of fns)
        expect({ fn: f.path, auth: f.vars.TEMPORA_AUTH }).toEqual({
          fn: f.path,
          auth: f.vars.JWT_SECRET_ID === undefined ? undefined : JSON.stringify({ hs256: true, issuers: [] }),
        });
      expect(resourcesOf(template, 'AWS::ApiGatewayV2::Authorizer')).toEqual([]);
    },
    TIMEOUT,
  );

  it(
    'one Cognito issuer: a JWT authorizer on exactly the protected routes; public ones and $default stay open',
    () => {
      const a = auth({ hs256: false, issuers: [cognito] });
      const { stacks, template } = synth('prod', { 'tempora:prod': { auth: { issuers: [cognito] } } });
      const [[authorizerId, authorizer] = ['', {}], ...more] = resourcesOf(
        template,
        'AWS::ApiGatewayV2::Authorizer',
      );
      expect(more).toEqual([]);
      expect(authorizer).toMatchObject({
        AuthorizerType: 'JWT',
        IdentitySource: ['$request.header.Authorization'],
        JwtConfiguration: { Issuer: COGNITO, Audience: cognito.audiences },
      });
      const routes = resourcesOf(template, 'AWS::ApiGatewayV2::Route');
      const open = new Set(
        gatewayRoutes()
          .filter((r) => r.public)
          .map(routeKey),
      );
      // The HTTP API's routes: `METHOD /path` and `$default` (the WebSocket API's are `$connect`, …).
      const httpRoutes = routes.filter(
        ([, r]) => r.RouteKey === '$default' || / \//.test(String(r.RouteKey)),
      );
      expect(httpRoutes.length).toBeGreaterThan(50);
      for (const [, r] of httpRoutes) {
        const key = r.RouteKey as string;
        const guarded = key !== '$default' && !open.has(key);
        expect({ key, type: r.AuthorizationType ?? 'NONE', id: r.AuthorizerId }).toEqual(
          guarded ? { key, type: 'JWT', id: { Ref: authorizerId } } : { key, type: 'NONE', id: undefined },
        );
      }
      // The WebSocket API's $connect is checked by the function (API Gateway has no JWT authorizer for WebSocket APIs).
      const wsConnect = routes.find(([, r]) => r.RouteKey === '$connect');
      expect(wsConnect?.[1].AuthorizationType ?? 'NONE').toBe('NONE');
      for (const f of functionsOf(template, stacks).filter((x) => x.vars.JWT_SECRET_ID !== undefined))
        expect(JSON.parse(String(f.vars.TEMPORA_AUTH))).toEqual(a);
    },
    TIMEOUT,
  );
});
