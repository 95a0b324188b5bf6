/**
 * `tempora records export --to <loc>` and `tempora records import --from <loc>`: file and S3
 * loaders of the records service. They talk to the deployed API with an operator token,
 * so validation and the per-record report are the API's own (GET /api/metadata/export,
 * POST /api/metadata/import); the CLI pages, chunks, orders and adds the reports up.
 * Exit codes: 0 ok, 1 records failed or the API/stack failed, 2 usage error or bad input.
 */
import { randomUUID } from 'node:crypto';
import { summarize } from '../lib/records/index.ts';
import { loadLocalConfig } from '../localstack/config.ts';
import { platformOutputs } from '../localstack/stack.ts';
import { mintLocalToken } from '../localstack/token.ts';
import { DEFAULT_STAGE, localHttpApiUrl } from '../localstack/urls.ts';
import { type CliIo, InputError, type ParsedArgs, runCommand, UsageError } from './command.ts';
import {
  checkWritable,
  type Location,
  type ObjectStore,
  parseLocation,
  readLocation,
  recordsOfDocument,
  writeLocation,
} from './records-location.ts';
import {
  type ApiImportReport,
  DEFAULT_CHUNK_SIZE,
  errorLines,
  fileResultsOf,
  type ImportChunk,
  type ImportReport,
  type ImportResult,
  planChunks,
  summaryLine,
} from './records-plan.ts';

export const RECORDS_HELP = `Usage: tempora records export --to <file:path | s3://bucket/key> [--type a,b] [--namespace n]
       tempora records import --from <file:path | s3://bucket/key> [--mode merge|replace|skip] [--dry-run]

Export and import the records of the records service (docs/records.md, "Loaders").
The file is one JSON document, the shape GET /api/metadata/export answers:
{ "format": "tempora.metadata/v1", "exported_at", "count", "records": [ … ], "next_cursor": null }.

export   every record (every state), or those of --type / --namespace (comma lists)
import   validates every record first (a dry run through the API), then writes them in
         requests of --chunk-size records, bases before the records that extend them;
         if any record is invalid nothing is written (unless --continue-on-error)

Options:
  --to <loc>             export: where to write
  --from <loc>           import: what to read
  --type <a,b>           export: only these types
  --namespace <a,b>      export: only these namespaces
  --mode <mode>          import: merge (default), replace or skip (as POST /api/metadata/import)
  --dry-run              import: validate and report what would happen; write nothing
  --continue-on-error    import: write the valid records even if some are invalid
  --chunk-size <n>       import: records per request, 1-1000 (default ${DEFAULT_CHUNK_SIZE})
  --json                 print the report as JSON (stdout); progress stays on stderr
  --api <url>            the HTTP API of a deployed stack (default: the local stack; env TEMPORA_API_URL)
  --token <jwt>          an admin or service token for --api (env TEMPORA_TOKEN)
  -h, --help             this text

With the local stack ("npm run local") the CLI signs its own admin token and writes to S3 on
the emulator; the stack's export bucket is its output ExportsBucketName.
Reads TEMPORA_LOCAL_PORT, AWS_ENDPOINT_URL, AWS_REGION and TEMPORA_ENV as "npm run local" does.
Exit codes: 0 ok, 1 records failed or the API or stack failed, 2 usage error or bad input.
`;

const MODES = ['merge', 'replace', 'skip'] as const;
const MAX_CHUNK_SIZE = 1000;
/** Attempts of one request on a 5xx, a 429 or a network failure (the same Idempotency-Key). */
const ATTEMPTS = 3;

/** The API or the stack failed (exit code 1). */
class RunError extends Error {}

/** The API answered with an error (exit code 1 unless the caller makes it a record's error). */
class ApiError extends RunError {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly apiMessage: string,
  ) {
    super(message);
  }
}

interface Target {
  api: string;
  token: string;
  /** The S3 side, built on first use. */
  s3: () => Promise<ObjectStore>;
  /** Export bucket of the stack, when known (for messages). */
  bucket?: string;
}

const RECORDS = {
  name: 'records',
  help: RECORDS_HELP,
  positionals: true,
  options: {
    to: { type: 'string' },
    from: { type: 'string' },
    type: { type: 'string' },
    namespace: { type: 'string' },
    mode: { type: 'string' },
    'dry-run': { type: 'boolean' },
    'continue-on-error': { type: 'boolean' },
    'chunk-size': { type: 'string' },
    json: { type: 'boolean', default: false },
    api: { type: 'string' },
    token: { type: 'string' },
  },
} as const;

export function runRecordsCli(argv: readonly string[], io: CliIo): Promise<number> {
  return runCommand(RECORDS, argv, io, async ({ values, positionals }) => {
    const [command, ...rest] = positionals;
    if (command !== 'export' && command !== 'import')
      throw new UsageError(`Unknown records command "${command}".`);
    if (rest.length > 0)
      throw new UsageError(`records ${command} takes no argument (got "${rest.join(' ')}").`);
    if (command === 'export') {
      if (values.to === undefined)
        throw new UsageError('records export needs --to <file:path | s3://bucket/key>.');
      for (const o of ['from', 'mode', 'dry-run', 'continue-on-error', 'chunk-size'] as const)
        if (values[o] !== undefined && values[o] !== false)
          throw new UsageError(`--${o} is an import option.`);
      return await exportRecords(parseLocation(values.to, '--to'), values, io);
    }
    if (values.from === undefined)
      throw new UsageError('records import needs --from <file:path | s3://bucket/key>.');
    for (const o of ['to', 'type', 'namespace'] as const)
      if (values[o] !== undefined) throw new UsageError(`--${o} is an export option.`);
    const mode = values.mode ?? 'merge';
    if (!(MODES as readonly string[]).includes(mode))
      throw new UsageError(`--mode must be one of ${MODES.join(', ')}, got "${mode}".`);
    const chunkSize = Number(values['chunk-size'] ?? DEFAULT_CHUNK_SIZE);
    if (!Number.isSafeInteger(chunkSize) || chunkSize < 1 || chunkSize > MAX_CHUNK_SIZE)
      throw new UsageError(
        `--chunk-size must be an integer from 1 to ${MAX_CHUNK_SIZE}, got "${values['chunk-size']}".`,
      );
    return await importRecords(parseLocation(values.from, '--from'), { ...values, mode, chunkSize }, io);
  });
}

type Values = ParsedArgs<typeof RECORDS.options>['values'];

/** The API and token to use: `--api`/`--token` (or their env), else the local stack's. */
async function connect(values: Values): Promise<Target> {
  const api = values.api ?? process.env.TEMPORA_API_URL;
  if (api) {
    const token = values.token ?? process.env.TEMPORA_TOKEN;
    if (!token)
      throw new InputError('--api needs --token <jwt> (or TEMPORA_TOKEN): an admin or service token');
    const { s3Store } = await import('./records-s3.ts');
    return { api: api.replace(/\/+$/, ''), token, s3: lazyStore(() => s3Store({})) };
  }
  const cfg = loadLocalConfig();
  const token = await mintLocalToken(cfg, { role: 'admin', sub: 'tempora-records-cli' }, 3600);
  const outputs = await platformOutputs(cfg.endpoint, cfg.region, cfg.stackName);
  if (!outputs.HttpApiId) throw new RunError(`stack ${cfg.stackName} has no HttpApiId output`);
  return {
    api: localHttpApiUrl(cfg.endpoint, outputs.HttpApiId, outputs.HttpApiStage || DEFAULT_STAGE),
    token,
    s3: lazyStore(async () => (await import('./records-s3.ts')).s3Store({ emulator: cfg })),
    ...(outputs.ExportsBucketName ? { bucket: outputs.ExportsBucketName } : {}),
  };
}

const lazyStore = (make: () => Promise<ObjectStore>): (() => Promise<ObjectStore>) => {
  let store: Promise<ObjectStore> | undefined;
  return () => {
    store ??= make();
    return store;
  };
};

/** One API call: JSON in and out; retried on 5xx, 429 and network failures; other errors thrown. */
async function call<T>(
  target: Target,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    let res: Response;
    try {
      res = await fetch(`${target.api}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${target.token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(120_000),
      });
    } catch (e) {
      if (attempt < ATTEMPTS) {
        await pause(attempt);
        continue;
      }
      throw new RunError(`${method} ${path}: ${(e as Error).message} (at ${target.api})`);
    }
    const text = await res.text();
    if (res.ok) {
      try {
        return JSON.parse(text) as T;
      } catch {
        throw new RunError(`${method} ${path}: the API answered ${res.status} with a body that is not JSON`);
      }
    }
    let code = 'error';
    let message = text.slice(0, 300);
    try {
      const err = (JSON.parse(text) as { error?: { code?: string; message?: string } }).error;
      if (err?.code) code = err.code;
      if (err?.message) message = err.message;
    } catch {
      // keep the raw text
    }
    // A 5xx, a throttle, or the same write still running (its Idempotency-Key): ask again.
    const transient = res.status >= 500 || res.status === 429 || code === 'idempotency_in_progress';
    if (transient && attempt < ATTEMPTS) {
      await pause(attempt);
      continue;
    }
    throw new ApiError(`${method} ${path} → ${res.status} ${code}: ${message}`, res.status, code, message);
  }
}

const pause = (attempt: number): Promise<void> =>
  new Promise((r) => setTimeout(r, 250 * 2 ** attempt * (0.5 + Math.random() / 2)));

interface ExportPage {
  format: string;
  exported_at: string;
  count: number;
  records: Array<Record<string, unknown>>;
  next_cursor: string | null;
}

async function exportRecords(to: Location, values: Values, io: CliIo): Promise<number> {
  const target = await connect(values);
  await checkWritable(to, target.s3);
  const query = new URLSearchParams();
  if (values.type !== undefined) query.set('type', values.type);
  if (values.namespace !== undefined) query.set('namespace', values.namespace);
  const records: Array<Record<string, unknown>> = [];
  let first: ExportPage | undefined;
  for (let page = 1; ; page++) {
    const qs = query.toString();
    const p = await call<ExportPage>(target, 'GET', `/api/metadata/export${qs ? `?${qs}` : ''}`);
    first ??= p;
    records.push(...p.records);
    io.err(`export: page ${page}, ${records.length} record(s) so far\n`);
    if (!p.next_cursor) break;
    query.set('cursor', p.next_cursor);
  }
  const doc = {
    format: first!.format,
    exported_at: first!.exported_at,
    count: records.length,
    records,
    next_cursor: null,
  };
  await writeLocation(to, `${JSON.stringify(doc, null, 1)}\n`, target.s3);
  const report = { to: to.text, format: doc.format, exported_at: doc.exported_at, count: doc.count };
  if (values.json) io.out(`${JSON.stringify(report, null, 2)}\n`);
  else io.out(`exported ${doc.count} record(s) to ${to.text}\n`);
  return 0;
}

async function importRecords(
  from: Location,
  values: Values & { mode: string; chunkSize: number },
  io: CliIo,
): Promise<number> {
  // A file is read before the stack is reached, so that a bad file fails fast.
  const early =
    from.scheme === 'file' ? recordsOfDocument(await readLocation(from, noS3), from.text) : undefined;
  const target = await connect(values);
  const records = early ?? recordsOfDocument(await readLocation(from, target.s3), from.text);
  const chunks = planChunks(records, values.chunkSize);
  const dryRun = values['dry-run'] === true;
  const continueOnError = values['continue-on-error'] === true;

  // 1. Validate everything (a dry run through the API) before writing anything.
  const checked = await sendChunks(target, records, chunks, { mode: values.mode, dryRun: true }, io);
  const invalid = checked.filter((r) => r.status === 'error');
  let results = checked;
  let written = false;
  if (!dryRun && (invalid.length === 0 || continueOnError)) {
    // 2. Write, request by request, with the valid records only.
    const valid = new Set(checked.filter((r) => r.status === 'ok').map((r) => r.index));
    const toWrite = chunks
      .map((c) => ({ indexes: c.indexes.filter((i) => valid.has(i)), bases: [] }))
      .filter((c) => c.indexes.length > 0);
    const done = await sendChunks(target, records, toWrite, { mode: values.mode, dryRun: false }, io);
    const byIndex = new Map(done.map((r) => [r.index, r]));
    results = checked.map((r) => byIndex.get(r.index) ?? r);
    written = true;
  }
  const report: ImportReport = {
    mode: values.mode,
    dry_run: !written,
    summary: summarize(results),
    results,
  };
  if (values.json) io.out(`${JSON.stringify(report, null, 2)}\n`);
  else {
    for (const line of errorLines(results)) io.out(`${line}\n`);
    const what = dryRun
      ? 'dry run, nothing written'
      : written
        ? `mode ${values.mode}`
        : 'invalid records: nothing written; --continue-on-error writes the valid ones';
    io.out(`import from ${from.text}: ${summaryLine(report.summary)} (${what})\n`);
  }
  return report.summary.error ? 1 : 0;
}

const noS3 = (): Promise<ObjectStore> => Promise.reject(new Error('a file location needs no S3'));

const tooLarge = (index: number, r: unknown, e: ApiError): ImportResult => {
  const o = (r ?? {}) as Record<string, unknown>;
  return {
    index,
    type: typeof o.type === 'string' ? o.type : null,
    name: typeof o.name === 'string' ? o.name : null,
    status: 'error',
    error: { code: e.code, message: e.apiMessage },
  };
};

/** Sends the chunks in order and returns the per-record results, indexes into the file. */
async function sendChunks(
  target: Target,
  records: readonly unknown[],
  chunks: readonly ImportChunk[],
  opts: { mode: string; dryRun: boolean },
  io: CliIo,
): Promise<ImportResult[]> {
  const run = randomUUID();
  const out: ImportResult[] = [];
  const total = chunks.reduce((n, c) => n + c.indexes.length, 0);
  let sent = 0;
  for (const [k, chunk] of chunks.entries()) {
    const indexes = opts.dryRun ? [...chunk.bases, ...chunk.indexes] : chunk.indexes;
    try {
      const report = await call<ApiImportReport>(
        target,
        'POST',
        '/api/metadata/import',
        {
          records: indexes.map((i) => records[i]),
          mode: opts.mode,
          continue_on_error: true,
          dry_run: opts.dryRun,
        },
        // A retried write request is answered from the first one, never applied twice.
        opts.dryRun ? {} : { 'idempotency-key': `tempora-records-${run}-${k}` },
      );
      out.push(...fileResultsOf(chunk, opts.dryRun, report));
    } catch (e) {
      // Only a record too large for a request body travels alone and gets a 413: its error.
      if (!(e instanceof ApiError && e.status === 413)) throw e;
      for (const i of chunk.indexes) out.push(tooLarge(i, records[i], e));
    }
    sent += chunk.indexes.length;
    io.err(
      `import: ${opts.dryRun ? 'checked' : 'written'} request ${k + 1}/${chunks.length} (${sent}/${total} records)\n`,
    );
  }
  return out.sort((a, b) => a.index - b.index);
}
