/**
 * `tempora records`: the pure parts (locations, sending order, chunks, report) and the usage
 * errors, which exit with 2 before any stack is reached.
 */

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../../bin/cli.ts';
import { InputError } from '../../../bin/command.ts';
import { runRecordsCli } from '../../../bin/records.ts';
import { parseLocation, recordsOfDocument } from '../../../bin/records-location.ts';
import {
  fileResultsOf,
  MAX_CHUNK_BYTES,
  planChunks,
  sendingOrder,
  summaryLine,
} from '../../../bin/records-plan.ts';
import { s3Client } from '../../../lib/aws/s3.ts';
import { summarize } from '../../../lib/records/bulk.ts';

const rec = (type: string, name: string, ext?: string, extra: Record<string, unknown> = {}) => ({
  type,
  name,
  ...(ext ? { extends: ext } : {}),
  ...extra,
});

describe('parseLocation', () => {
  it('reads file: paths and s3:// URLs', () => {
    expect(parseLocation('file:/tmp/x.json', '--to')).toMatchObject({ scheme: 'file', path: '/tmp/x.json' });
    expect(parseLocation('file:///tmp/y.json', '--to')).toMatchObject({
      scheme: 'file',
      path: '/tmp/y.json',
    });
    expect(parseLocation('file:rel.json', '--to')).toMatchObject({
      scheme: 'file',
      path: join(process.cwd(), 'rel.json'),
    });
    expect(parseLocation('s3://my-bucket/a/b.json', '--to')).toMatchObject({
      scheme: 's3',
      bucket: 'my-bucket',
      key: 'a/b.json',
    });
  });

  it.each([
    ['ftp://host/x', /unknown scheme "ftp:"/],
    ['x.json', /must be file:<path> or s3:\/\/<bucket>\/<key>/],
    ['file:', /needs a path/],
    ['s3://bucket', /needs an object key/],
    ['s3://B_ad/key', /not a bucket name/],
  ])('refuses %s', (raw, message) => {
    expect(() => parseLocation(raw, '--to')).toThrow(InputError);
    expect(() => parseLocation(raw, '--to')).toThrow(message);
  });
});

describe('recordsOfDocument', () => {
  it('takes an export document or an array', () => {
    expect(recordsOfDocument('{"format":"x","records":[{"type":"a","name":"b"}]}', 'f')).toHaveLength(1);
    expect(recordsOfDocument('[{"type":"a","name":"b"}]', 'f')).toHaveLength(1);
  });
  it('names what is wrong', () => {
    expect(() => recordsOfDocument('{oops', 'file:x')).toThrow(/file:x: not JSON/);
    expect(() => recordsOfDocument('{"items":[]}', 'file:x')).toThrow(/not an export/);
  });
});

describe('sendingOrder', () => {
  it('puts every base before the records that extend it, else keeps the file order', () => {
    const records = [
      rec('view', 'a-leaf', 'view/m-mid'),
      rec('view', 'b-other'),
      rec('view', 'm-mid', 'z-base'), // short form: same type
      rec('view', 'z-base'),
      rec('object', 'x', 'view/none'),
    ];
    expect(sendingOrder(records)).toEqual([3, 2, 0, 1, 4]);
  });
  it('keeps entries that are not records where they are (the API reports them)', () => {
    const records = [null, 5, rec('v', 'a', 'v/b'), 'x', rec('v', 'b')];
    expect(sendingOrder(records)).toEqual([0, 1, 4, 2, 3]);
    expect(planChunks(records, 2).flatMap((c) => c.indexes)).toEqual([0, 1, 4, 2, 3]);
  });
  it('leaves a cycle to the API', () => {
    const records = [rec('v', 'a', 'v/b'), rec('v', 'b', 'v/a')];
    expect(sendingOrder(records).sort()).toEqual([0, 1]);
  });
});

describe('planChunks', () => {
  it('cuts at the chunk size and carries earlier bases along', () => {
    const records = [
      ...Array.from({ length: 5 }, (_v, i) => rec('view', `n${i}`)),
      rec('view', 'leaf', 'view/mid'),
      rec('view', 'mid', 'view/n0'),
    ];
    const chunks = planChunks(records, 3);
    expect(chunks.flatMap((c) => c.indexes).sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    for (const c of chunks) expect(c.indexes.length + c.bases.length).toBeLessThanOrEqual(3);
    const leafChunk = chunks.findIndex((c) => c.indexes.includes(5));
    const midChunk = chunks.findIndex((c) => c.indexes.includes(6));
    expect(midChunk).toBeLessThanOrEqual(leafChunk);
    // Bases of earlier chunks travel with the records that need them (for the dry run).
    for (const c of chunks)
      for (const b of c.bases)
        expect(chunks.findIndex((x) => x.indexes.includes(b))).toBeLessThan(chunks.indexOf(c));
    if (midChunk < leafChunk) expect(chunks[leafChunk]!.bases).toContain(6);
  });
  it('keeps each request under the body budget', () => {
    const big = 'x'.repeat(60_000);
    const records = Array.from({ length: 10 }, (_v, i) =>
      rec('doc', `d${i}`, undefined, { metadata: { description: big } }),
    );
    const chunks = planChunks(records, 1000);
    expect(chunks.length).toBeGreaterThan(2);
    for (const c of chunks)
      expect(c.indexes.reduce((n, i) => n + JSON.stringify(records[i]).length, 0)).toBeLessThanOrEqual(
        MAX_CHUNK_BYTES,
      );
  });
});

describe('reports', () => {
  it('maps request indexes to file indexes and drops the bases sent along', () => {
    const results = fileResultsOf({ indexes: [7, 9], bases: [2] }, true, {
      summary: {},
      results: [
        { index: 0, type: 'v', name: 'base', status: 'ok', outcome: 'created' },
        { index: 1, type: 'v', name: 'a', status: 'ok', outcome: 'created' },
        {
          index: 2,
          type: 'v',
          name: 'b',
          status: 'error',
          error: { code: 'validation_failed', message: 'x' },
        },
      ],
    });
    expect(results.map((r) => r.index)).toEqual([7, 9]);
    const summary = summarize(results);
    expect(summary).toEqual({ total: 2, ok: 1, error: 1, created: 1 });
    expect(summaryLine(summary)).toBe('2 records: 1 ok (created 1), 1 error');
  });
});

describe('usage errors exit 2 with one line, before any stack is reached', () => {
  const capture = (): CliIo & { text: () => string } => {
    let text = '';
    return { out: (t) => (text += t), err: (t) => (text += t), text: () => text };
  };
  const dir = mkdtempSync(join(tmpdir(), 'records-cli-'));
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, '{ not json');

  it.each([
    [['export'], /needs --to/],
    [['export', '--to', 'ftp://x/y'], /unknown scheme "ftp:"/],
    [['import', '--from', `file:${join(dir, 'missing.json')}`], /no such file/],
    [['import', '--from', `file:${bad}`], /not JSON/],
    [['import', '--from', `file:${bad}`, '--mode', 'upsert'], /--mode must be one of merge, replace, skip/],
    [['import', '--from', `file:${bad}`, '--chunk-size', '0'], /--chunk-size must be an integer/],
    [['frobnicate'], /Unknown records command/],
  ])('%j', async (argv, message) => {
    const io = capture();
    expect(await runRecordsCli(argv, io)).toBe(2);
    expect(io.text()).toMatch(message);
    expect(io.text()).not.toMatch(/\n\s+at /);
  });
});

describe('s3Client (lib/aws/s3.ts)', () => {
  it('uses path-style addressing on an emulator endpoint only', async () => {
    const onEmulator = s3Client({ endpoint: 'http://127.0.0.1:4566', region: 'us-east-1' }, {});
    const viaEnv = s3Client({ region: 'us-east-1' }, { AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' });
    const onAws = s3Client({ region: 'us-east-1' }, {});
    expect(onEmulator.config.forcePathStyle).toBe(true);
    expect(viaEnv.config.forcePathStyle).toBe(true);
    expect(onAws.config.forcePathStyle).toBe(false);
  });
});
