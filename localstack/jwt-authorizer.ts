/**
 * A throwaway HTTP API on the emulator with API Gateway's JWT authorizer (one issuer, its audiences)
 * on one route, integrated with the deployed function that serves that route on the stack's own
 * API: the configuration infra/constructs/edge-auth.ts deploys for a stack trusting one issuer,
 * built through the management API so the dev stack (which trusts HS256 too, so has no authorizer)
 * can be measured against it (test/integration/auth.test.ts, bench/auth.ts).
 */
import { loadLocalConfig } from './config.ts';
import { type LocalOutputs, readLocalOutputs } from './outputs.ts';

/** The local platform's outputs (the file named by `TEMPORA_OUTPUTS`, else the platform's own). */
const loadOutputs = (): LocalOutputs =>
  readLocalOutputs(process.env.TEMPORA_OUTPUTS || loadLocalConfig().paths.outputsFile);

interface ApiGatewayObject {
  [key: string]: unknown;
}

async function call(method: string, path: string, body?: unknown): Promise<ApiGatewayObject> {
  const res = await fetch(`${loadOutputs().endpoint}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${text.slice(0, 300)}`);
  return text ? (JSON.parse(text) as ApiGatewayObject) : {};
}

/** The integration URI (the function) behind `routeKey` on the stack's HTTP API. */
async function integrationUriOf(routeKey: string): Promise<string> {
  const apiId = loadOutputs().stackOutputs.HttpApiId;
  const routes = (await call('GET', `/v2/apis/${apiId}/routes`)).items as ApiGatewayObject[];
  const target = String(routes.find((r) => r.routeKey === routeKey)?.target ?? '');
  const integration = await call(
    'GET',
    `/v2/apis/${apiId}/integrations/${target.replace('integrations/', '')}`,
  );
  return String(integration.integrationUri);
}

export interface JwtAuthorizedApi {
  /** `http://…/_aws/execute-api/<id>`: append the route's path. */
  url: string;
  remove(): Promise<void>;
}

/** An HTTP API whose `routeKey` is guarded by a JWT authorizer of `issuer` for `audience`. */
export async function jwtAuthorizedApi(
  routeKey: string,
  issuer: string,
  audience: string[],
): Promise<JwtAuthorizedApi> {
  const integrationUri = await integrationUriOf(routeKey);
  const api = await call('POST', '/v2/apis', {
    name: `tempora-jwt-probe-${Date.now()}`,
    protocolType: 'HTTP',
  });
  const apiId = String(api.apiId);
  try {
    const authorizer = await call('POST', `/v2/apis/${apiId}/authorizers`, {
      name: 'tempora-jwt',
      authorizerType: 'JWT',
      identitySource: ['$request.header.Authorization'],
      jwtConfiguration: { issuer, audience },
    });
    const integration = await call('POST', `/v2/apis/${apiId}/integrations`, {
      integrationType: 'AWS_PROXY',
      integrationUri,
      payloadFormatVersion: '2.0',
    });
    await call('POST', `/v2/apis/${apiId}/routes`, {
      routeKey,
      target: `integrations/${integration.integrationId}`,
      authorizationType: 'JWT',
      authorizerId: authorizer.authorizerId,
    });
    await call('POST', `/v2/apis/${apiId}/stages`, { stageName: '$default', autoDeploy: true });
  } catch (e) {
    await call('DELETE', `/v2/apis/${apiId}`);
    throw e;
  }
  return {
    url: `${loadOutputs().endpoint}/_aws/execute-api/${apiId}`,
    remove: async () => {
      await call('DELETE', `/v2/apis/${apiId}`);
    },
  };
}
