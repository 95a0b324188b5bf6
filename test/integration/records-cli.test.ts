/**
 * `npx tempora records export|import` run as a user runs them (a child process) against the
 * deployed stack: export → file (and → the stack's S3 bucket) → wipe → import gives back equal
 * records; a dry run writes nothing; an invalid record stops the import before anything is written; bad input exits 2
 * with one line. Every run uses its own types and namespace.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { s3Client } from '../../lib/aws/s3.ts';
import { emulatorClientConfig } from '../kit/emulator.ts';
import { api } from './support/client.ts';
import { loadOutputs } from './support/outputs.ts';
import { runCommand } from './support/process.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const dir = mkdtempSync(join(tmpdir(), 'tempora-records-'));

interface Rec {
  type: string;
  name: string;
  [k: string]: unknown;
}
interface Report {
  mode: string;
  dry_run: boolean;
  summary: Record<string, number>;
  results: Array<{ index: number; type: string; name: string; status: string; outcome?: string }>;
}

/** `npx tempora records …`: exit code, stdout, stderr. */
const cli = (...args: string[]) => runCommand('npx', ['tempora', 'records', ...args], { cwd: root });

/** Every record of `namespace`, through the API. */
async function exported(namespace: string): Promise<Rec[]> {
  const records: Rec[] = [];
  let cursor: string | null = null;
  do {
    const q: string = `namespace=${namespace}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const r = await api<{ records: Rec[]; next_cursor: string | null }>('GET', `/api/metadata/export?${q}`);
    expect(r.status, r.text).toBe(200);
    records.push(...r.body.records);
    cursor = r.body.next_cursor;
  } while (cursor);
  return records;
}

const strip = ({ id, version, created_at, created_by, updated_at, updated_by, ...rest }: Rec) => rest;

/** Records of one namespace: two types, every state, and an extends chain whose base sorts last. */
function seed(ns: string): Array<Record<string, unknown>> {
  const view = `view-${run}`;
  const form = `form-${run}`;
  return [
    ...Array.from({ length: 30 }, (_v, i) => ({
      op: 'upsert',
      type: form,
      name: `f${String(i).padStart(2, '0')}`,
      namespace: ns,
      state: i % 5 === 0 ? 'draft' : i % 7 === 0 ? 'archived' : 'active',
      metadata: { tags: [`t${i}`], custom_rules: { n: i } },
    })),
    { op: 'upsert', type: view, name: 'z-base', namespace: ns, metadata: { tags: ['base'] } },
    { op: 'upsert', type: view, name: 'm-mid', namespace: ns, extends: `${view}/z-base` },
    { op: 'upsert', type: view, name: 'a-leaf', namespace: ns, extends: `${view}/m-mid`, strategy: 'merge' },
  ];
}

async function bulk(operations: unknown[]): Promise<void> {
  const r = await api('POST', '/api/metadata/bulk', { body: { operations } });
  expect(r.status, r.text).toBe(200);
}

describe('npx tempora records (file:)', () => {
  const ns = `ldr-${run}`;
  const file = join(dir, 'export.json');

  it('export → file → wipe → import gives back equal records; a dry run writes nothing', {
    timeout: 120_000,
  }, async () => {
    await bulk(seed(ns));
    const before = await exported(ns);
    expect(before).toHaveLength(33);

    const exp = await cli('export', '--namespace', ns, '--to', `file:${file}`);
    expect(exp.code, exp.stderr).toBe(0);
    expect(exp.stdout).toBe(`exported 33 record(s) to file:${file}\n`);
    expect(exp.stderr).toMatch(/export: page 1, 33 record\(s\) so far/);
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    expect(doc).toMatchObject({ format: 'tempora.metadata/v1', count: 33, next_cursor: null });
    expect(doc.records.map(strip)).toEqual(before.map(strip));

    // Wipe.
    await bulk(before.map((r) => ({ op: 'delete', type: r.type, name: r.name })));
    expect(await exported(ns)).toHaveLength(0);

    // Dry run in requests of 7: the chain's bases come from earlier requests, nothing is written.
    const dry = await cli('import', '--from', `file:${file}`, '--dry-run', '--chunk-size', '7', '--json');
    expect(dry.code, dry.stderr).toBe(0);
    const dryReport = JSON.parse(dry.stdout) as Report;
    expect(dryReport).toMatchObject({
      mode: 'merge',
      dry_run: true,
      summary: { total: 33, ok: 33, error: 0, created: 33 },
    });
    expect(dry.stderr).toMatch(/import: checked request 5\/5 \(33\/33 records\)/);
    expect(await exported(ns)).toHaveLength(0);

    const imp = await cli('import', '--from', `file:${file}`, '--chunk-size', '7');
    expect(imp.code, imp.stderr).toBe(0);
    expect(imp.stdout).toBe(
      `import from file:${file}: 33 records: 33 ok (created 33), 0 errors (mode merge)\n`,
    );
    expect(imp.stderr).toMatch(/import: written request 5\/5/);
    const after = await exported(ns);
    expect(after.map(strip)).toEqual(before.map(strip));
    expect(after.every((r) => r.version === 1)).toBe(true);

    // Again with --mode skip: every record exists, nothing changes.
    const skip = await cli('import', '--from', `file:${file}`, '--mode', 'skip', '--json');
    expect(skip.code, skip.stderr).toBe(0);
    expect((JSON.parse(skip.stdout) as Report).summary).toMatchObject({ total: 33, ok: 33, skipped: 33 });
    expect((await exported(ns)).every((r) => r.version === 1)).toBe(true);
  });

  it('an invalid record stops the import before anything is written; --continue-on-error writes the rest', {
    timeout: 60_000,
  }, async () => {
    const ns2 = `ldr-bad-${run}`;
    const type = `form-${run}`;
    const bad = join(dir, 'bad-records.json');
    writeFileSync(
      bad,
      JSON.stringify({
        records: [
          { type, name: 'ok-1', namespace: ns2 },
          { type, name: 'Not A Name', namespace: ns2 },
          { type, name: 'ok-2', namespace: ns2, metadata: { tags: 'not-a-list' } },
          { type, name: 'ok-3', namespace: ns2 },
          // Over the API's 256 KB body limit on its own: a 413, reported as this record's error.
          { type, name: 'huge', namespace: ns2, metadata: { description: 'x'.repeat(300_000) } },
        ],
      }),
    );
    const refused = await cli('import', '--from', `file:${bad}`, '--chunk-size', '2');
    expect(refused.code, refused.stderr).toBe(1);
    expect(refused.stdout).toMatch(/^records\[1\] form-\S+\/Not A Name: validation_failed: name: /m);
    expect(refused.stdout).toMatch(/^records\[2\] form-\S+\/ok-2: validation_failed: .*metadata\.tags/m);
    expect(refused.stdout).toMatch(/^records\[4\] form-\S+\/huge: payload_too_large: /m);
    expect(refused.stdout).toMatch(
      /5 records: 2 ok \(created 2\), 3 errors \(invalid records: nothing written;/,
    );
    expect(await exported(ns2)).toHaveLength(0);

    const partial = await cli('import', '--from', `file:${bad}`, '--continue-on-error', '--json');
    expect(partial.code).toBe(1);
    const report = JSON.parse(partial.stdout) as Report;
    expect(report.dry_run).toBe(false);
    expect(report.results.map((r) => r.status)).toEqual(['ok', 'error', 'error', 'ok', 'error']);
    expect((await exported(ns2)).map((r) => r.name)).toEqual(['ok-1', 'ok-3']);
  });
});

describe('npx tempora records --api --token (a deployed stack, named by its URL)', () => {
  it("exports through the given API with the given token; a user token gets the API's 403", {
    timeout: 60_000,
  }, async () => {
    const ns = `ldr-api-${run}`;
    await bulk(seed(ns).slice(0, 3));
    const out = loadOutputs();
    const file = join(dir, 'api.json');
    const ok = await cli(
      'export',
      '--namespace',
      ns,
      '--to',
      `file:${file}`,
      '--api',
      out.httpApiUrl,
      '--token',
      out.tokens.service,
    );
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8')).count).toBe(3);
    const denied = await cli(
      'export',
      '--to',
      `file:${file}`,
      '--api',
      out.httpApiUrl,
      '--token',
      out.tokens.user,
    );
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/^tempora records export: GET \/api\/metadata\/export → 403 forbidden: /);
    const noToken = await cli('export', '--to', `file:${file}`, '--api', out.httpApiUrl);
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toMatch(/--api needs --token/);
  });
});

describe("npx tempora records (s3://, the stack's exports bucket)", () => {
  const ns = `ldr-s3-${run}`;

  it('export → S3 object → wipe → import gives back equal records', { timeout: 120_000 }, async () => {
    const bucket = loadOutputs().stackOutputs.ExportsBucketName;
    expect(bucket).toMatch(/^tempora-\S+-exports-/);
    const url = `s3://${bucket}/tests/${run}/export.json`;
    await bulk(seed(ns));
    const before = await exported(ns);
    expect(before).toHaveLength(33);

    const exp = await cli('export', '--namespace', ns, '--to', url, '--json');
    expect(exp.code, exp.stderr).toBe(0);
    expect(JSON.parse(exp.stdout)).toMatchObject({ to: url, format: 'tempora.metadata/v1', count: 33 });
    // The object is there, read straight from S3 (not through the CLI).
    const s3 = s3Client(emulatorClientConfig());
    const obj = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: `tests/${run}/export.json` }));
    const doc = JSON.parse(await obj.Body!.transformToString());
    expect(doc.records.map(strip)).toEqual(before.map(strip));

    await bulk(before.map((r) => ({ op: 'delete', type: r.type, name: r.name })));
    expect(await exported(ns)).toHaveLength(0);

    const imp = await cli('import', '--from', url, '--mode', 'replace');
    expect(imp.code, imp.stderr).toBe(0);
    expect(imp.stdout).toBe(`import from ${url}: 33 records: 33 ok (created 33), 0 errors (mode replace)\n`);
    expect((await exported(ns)).map(strip)).toEqual(before.map(strip));
  });
});

describe('npx tempora records: bad input exits 2 with one line', () => {
  const junk = join(dir, 'junk.json');
  writeFileSync(junk, '{"records": [');
  it.each([
    [
      ['export', '--to', 'ftp://host/x.json'],
      /^tempora records export: --to ftp:\/\/host\/x\.json: unknown scheme "ftp:"/,
    ],
    [
      ['import', '--from', `file:${join(dir, 'missing.json')}`],
      /^tempora records import: file:\S+: no such file/,
    ],
    [['import', '--from', `file:${junk}`], /^tempora records import: file:\S+: not JSON/],
    [
      ['export', '--to', `s3://no-such-bucket-${run}/x.json`],
      /^tempora records export: bucket no-such-bucket-\S+ does not exist/,
    ],
    [
      ['import', '--from', `s3://no-such-bucket-${run}/x.json`],
      /^tempora records import: bucket no-such-bucket-\S+ does not exist/,
    ],
  ])('%j', { timeout: 30_000 }, async (args, message) => {
    const r = await cli(...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toBe('');
  });
});
