/**
 * The OpenAPI 3.1 document of the HTTP API, generated from the route declarations (zod v4's
 * native `z.toJSONSchema`, draft 2020-12 — the dialect OpenAPI 3.1 uses — so no extra library
 * and no second copy of any schema). Served at `GET /api/openapi.json`, written to
 * docs/openapi.json by `npm run docs:openapi` (with docs/api.md).
 */
import * as z from 'zod/mini';
import { httpFunctions } from './gateway.ts';
import { routeKey } from './route-key.ts';
import { documentationOf, errorSchema } from './schemas.ts';
import type { RouteDefinition } from './types.ts';

type Json = Record<string, unknown>;

const ERROR_REF = { $ref: '#/components/schemas/Error' };

/** The `Idempotency-Key` header of the routes declared `idempotent` (lib/lambda-kit/middleware/idempotency.ts). */
const IDEMPOTENCY_KEY_PARAM: Json = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description:
    'Makes a retry safe: the same key with the same request within 24 h returns the first answer (same status and body, header `Idempotency-Replayed: true`) without applying it again; the same key with another path or body → 422 `idempotency_key_reused`; while the first request is still running → 409 `idempotency_in_progress` (retry with the same key).',
  schema: { type: 'string', minLength: 1, maxLength: 255 },
  example: '6f1c1d7e-8a3b-4f0e-9b55-2f7f0c2b9d11',
};

/** JSON Schema of a zod schema, as a request (`input`) or a response (`output`) sees it. */
export function jsonSchemaOf(schema: z.ZodMiniType, io: 'input' | 'output'): Json {
  const shown = io === 'input' ? documentationOf(schema) : schema;
  const { $schema: _drop, ...rest } = z.toJSONSchema(shown, { io, unrepresentable: 'any' }) as Json;
  return rest;
}

const pathNames = (path: string): string[] => [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] as string);

function parameters(r: RouteDefinition): Json[] {
  const out: Json[] = [];
  const params = r.params ? jsonSchemaOf(r.params, 'input') : undefined;
  const pProps = (params?.properties ?? {}) as Record<string, Json>;
  for (const name of pathNames(r.path))
    out.push({ name, in: 'path', required: true, schema: pProps[name] ?? { type: 'string' } });
  if (r.query) {
    const q = jsonSchemaOf(r.query, 'input');
    const required = new Set((q.required ?? []) as string[]);
    for (const [name, schema] of Object.entries((q.properties ?? {}) as Record<string, Json>))
      out.push({ name, in: 'query', required: required.has(name), schema });
  }
  if (r.idempotent) out.push(IDEMPOTENCY_KEY_PARAM);
  return out;
}

const operationId = (r: RouteDefinition): string =>
  `${r.method.toLowerCase()}${r.path
    .replace(/^\/api/, '')
    .split(/[/._-]/)
    .filter(Boolean)
    .map((p) => (p.startsWith('{') ? `By${cap(p.slice(1, -1))}` : cap(p)))
    .join('')}`;
const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function operation(r: RouteDefinition, tag: string): Json {
  const status = String(r.status ?? (r.method === 'DELETE' ? 204 : 200));
  const success: Json =
    status === '204'
      ? { description: 'No content' }
      : {
          description: 'Success',
          content: {
            [r.mediaType ?? 'application/json']: {
              schema: r.response ? jsonSchemaOf(r.response, 'output') : {},
            },
          },
        };
  const takesBody = r.body !== undefined || r.example !== undefined;
  return {
    operationId: operationId(r),
    summary: r.summary,
    tags: [tag],
    security: r.public ? [] : [{ bearer: [] }],
    ...(r.roles ? { 'x-roles': [...r.roles] } : {}),
    ...(parameters(r).length ? { parameters: parameters(r) } : {}),
    ...(takesBody
      ? {
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: r.body ? jsonSchemaOf(r.body, 'input') : { type: 'object' },
                ...(r.example !== undefined ? { example: r.example } : {}),
              },
            },
          },
        }
      : {}),
    responses: {
      [status]: success,
      ...Object.fromEntries(
        (r.alsoAnswers ?? []).map((a) => [
          String(a.status),
          {
            description: a.description,
            content: {
              [r.mediaType ?? 'application/json']: {
                schema: a.response ? jsonSchemaOf(a.response, 'output') : {},
              },
            },
          },
        ]),
      ),
      ...(r.public ? {} : { '401': { $ref: '#/components/responses/Error' } }),
      ...(r.roles ? { '403': { $ref: '#/components/responses/Error' } } : {}),
      ...(r.idempotent
        ? { '409': { $ref: '#/components/responses/Error' }, '422': { $ref: '#/components/responses/Error' } }
        : {}),
      '4XX': { $ref: '#/components/responses/Error' },
      '5XX': { $ref: '#/components/responses/Error' },
    },
  };
}

export interface OpenApiDocument extends Json {
  openapi: string;
  paths: Record<string, Record<string, Json>>;
}

export function openApiDocument(): OpenApiDocument {
  const paths: OpenApiDocument['paths'] = {};
  const tags: Json[] = [];
  for (const f of httpFunctions()) {
    tags.push({ name: f.tag });
    for (const r of f.routes) {
      const item = paths[r.path] ?? {};
      if (item[r.method.toLowerCase()]) throw new Error(`route ${routeKey(r)} is declared twice`);
      item[r.method.toLowerCase()] = operation(r, f.tag);
      paths[r.path] = item;
    }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Tempora API',
      version: '0.1.0',
      description:
        'The HTTP API of Tempora, generated from the service registry (lib/registry). Every error is `{ error: { code, message, details? } }`.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    tags,
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: { Error: jsonSchemaOf(errorSchema, 'output') },
      responses: {
        Error: {
          description: 'The contract error shape',
          content: { 'application/json': { schema: ERROR_REF } },
        },
      },
    },
  };
}
