/**
 * The converse Lambda ("ask Tempora", docs/converse.md): `POST /api/converse` and
 * `POST /api/converse/confirm`, built on the first request.
 */
import { documentClient } from '../aws/clients.ts';
import { httpApiEndpointFor } from '../aws/http-api-endpoint.ts';
import { converseEnv } from '../config/functions.ts';
import { serviceLambda } from '../lambda-kit/dispatch.ts';
import { httpHandler } from '../lambda-kit/http.ts';
import { declared } from '../registry/declared.ts';
import { fetchApi } from './api.ts';
import { ConfirmationStore } from './confirmations.ts';
import { converse as declaration } from './contract.ts';
import { converseRoutes } from './routes.ts';

type HttpHandler = ReturnType<typeof httpHandler>;

/** Built on the first request: the API it reads through is the one that invoked it. */
function build(event: Parameters<HttpHandler>[0]): HttpHandler {
  const env = converseEnv.current();
  const base = httpApiEndpointFor(process.env.AWS_ENDPOINT_URL, event.requestContext);
  return httpHandler(
    declaration.routes,
    converseRoutes({
      call: fetchApi(base),
      confirmations: new ConfirmationStore(documentClient(), env.confirmationsTable),
      entityTypes: declared.filter((s) => s.crud !== false).map((s) => s.entity),
    }),
  );
}

let http: HttpHandler | undefined;

export const handler = serviceLambda({
  http: (event, context) => {
    http ??= build(event);
    return http(event, context);
  },
});
