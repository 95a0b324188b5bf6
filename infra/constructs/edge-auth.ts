import { Annotations, Aspects, type IAspect } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { Construct, type IConstruct } from 'constructs';
import type { AuthConfig, TrustedIssuer } from '../../lib/config/auth.ts';

/**
 * The one issuer API Gateway's JWT authorizer can check on every protected route, or why there is
 * none: a route takes one authorizer, for one issuer; it verifies RSA signatures only; it finds keys
 * through the issuer's discovery document only, over https; and it cannot verify the stack's own
 * HS256 tokens.
 */
export function edgeIssuer(auth: AuthConfig): { issuer: TrustedIssuer } | { reason: string } {
  if (auth.hs256)
    return {
      reason: "the stack accepts its own HS256 tokens, which API Gateway's JWT authorizer cannot verify",
    };
  const [issuer, ...more] = auth.issuers;
  if (!issuer || more.length > 0)
    return {
      reason: `a route takes one JWT authorizer (one issuer) and the stack trusts ${auth.issuers.length}`,
    };
  if (issuer.algorithms.some((a) => a !== 'RS256'))
    return {
      reason: `API Gateway's JWT authorizer verifies RSA signatures only; ${issuer.issuer} may use ${issuer.algorithms.join(', ')}`,
    };
  if (issuer.jwks_uri !== undefined)
    return {
      reason: `API Gateway finds keys through the discovery document only; ${issuer.issuer} sets jwks_uri`,
    };
  if (!issuer.issuer.startsWith('https://')) return { reason: `${issuer.issuer} is not an https issuer` };
  return { issuer };
}

export interface EdgeAuthProps {
  api: apigwv2.HttpApi;
  auth: AuthConfig;
  /** Route keys (`GET /api/users`) that need a token: the registry's routes that are not public. */
  protectedRoutes: readonly string[];
}

/**
 * API Gateway's JWT authorizer on every protected route of the HTTP API, when the stack trusts
 * exactly one issuer it can check (see {@link edgeIssuer}): an invalid token is then refused by
 * API Gateway (401, `WWW-Authenticate` naming why) and never invokes a Lambda. Each function still
 * verifies the token itself (lib/auth/verify.ts) and decides roles and policies: the second line,
 * exactly as strict as the first and stricter where the authorizer cannot look (role mapping, 8 KB,
 * algorithms). Otherwise no authorizer is attached, the reason is in the synth's annotations, and
 * the functions' check is the only line (docs/contract.md#authentication).
 */
export class EdgeAuth extends Construct {
  readonly authorizer?: apigwv2.CfnAuthorizer;
  /** Why there is no authorizer, when there is none. */
  readonly reason?: string;

  constructor(scope: Construct, id: string, props: EdgeAuthProps) {
    super(scope, id);
    const edge = edgeIssuer(props.auth);
    if ('reason' in edge) {
      this.reason = edge.reason;
      Annotations.of(this).addInfo(
        `No JWT authorizer on the HTTP API: ${edge.reason}; each function verifies tokens.`,
      );
      return;
    }
    const authorizer = new apigwv2.CfnAuthorizer(this, 'Jwt', {
      apiId: props.api.apiId,
      name: 'tempora-jwt',
      authorizerType: 'JWT',
      identitySource: ['$request.header.Authorization'],
      jwtConfiguration: { issuer: edge.issuer.issuer, audience: [...edge.issuer.audiences] },
    });
    this.authorizer = authorizer;
    // Routes are added by several constructs: they get the authorizer at synth, when all exist.
    const keys = new Set(props.protectedRoutes);
    const aspect: IAspect = {
      visit(node: IConstruct) {
        if (
          !(node instanceof apigwv2.CfnRoute) ||
          typeof node.routeKey !== 'string' ||
          !keys.has(node.routeKey)
        )
          return;
        node.authorizationType = 'JWT';
        node.authorizerId = authorizer.ref;
      },
    };
    Aspects.of(props.api).add(aspect);
  }
}
