/**
 * The converse Lambda ("ask Tempora", docs/converse.md): `POST /api/converse` and
 * `POST /api/converse/confirm`, built on the first request.
 */
import { documentClient } from '../aws/clients.ts';
import { httpApiEndpointFor } from '../aws/http-api-endpoint.ts';
import { converseEnv } from '../config/functions.ts';
import { httpHandler } from '../edge/http.ts';
import { lazy } from '../edge/lazy.ts';
import { serviceLambda } from '../edge/service-lambda.ts';
import { declared } from '../registry/declared.ts';
import { converse as declaration } from '../registry/platform-converse.ts';
import { fetchApi } from './api.ts';
import { ConfirmationStore } from './confirmations.ts';
import { converseRoutes } from './routes.ts';

export const handler = serviceLambda({
  http: lazy(() => {
    const env = converseEnv.current();
    const base = httpApiEndpointFor({
      AWS_ENDPOINT_URL: process.env.AWS_ENDPOINT_URL,
      HTTP_API_ID: env.httpApiId,
      HTTP_API_ENDPOINT: env.httpApiEndpoint,
    });
    return httpHandler(
      declaration.routes,
      converseRoutes({
        call: fetchApi(base),
        confirmations: new ConfirmationStore(documentClient(), env.confirmationsTable),
        entityTypes: declared.filter((s) => s.crud !== false).map((s) => s.entity),
      }),
    );
  }),
});
