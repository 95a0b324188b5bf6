/**
 * Where `tempora records` reads and writes an export: `file:<path>` or `s3://<bucket>/<key>`.
 * Every failure a user can fix (unknown scheme, missing file, bucket or key, unreadable JSON)
 * is an {@link InputError}: one line, exit code 2.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from './command.ts';

export type Location =
  | { scheme: 'file'; path: string; text: string }
  | { scheme: 's3'; bucket: string; key: string; text: string };

const BUCKET_RE = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Parses `file:<path>`, `file:///abs/path` or `s3://<bucket>/<key>`; throws InputError otherwise. */
export function parseLocation(raw: string, option: string): Location {
  const forms = `file:<path> or s3://<bucket>/<key>`;
  if (raw.startsWith('file:')) {
    let path: string;
    try {
      path = raw.startsWith('file://') ? fileURLToPath(raw) : raw.slice('file:'.length);
    } catch (e) {
      throw new InputError(`${option} ${raw}: ${(e as Error).message}`);
    }
    if (path === '') throw new InputError(`${option} file: needs a path, e.g. file:./export.json`);
    return { scheme: 'file', path: resolve(path), text: raw };
  }
  if (raw.startsWith('s3://')) {
    const rest = raw.slice('s3://'.length);
    const slash = rest.indexOf('/');
    const bucket = slash < 0 ? rest : rest.slice(0, slash);
    const key = slash < 0 ? '' : rest.slice(slash + 1);
    if (!BUCKET_RE.test(bucket)) throw new InputError(`${option} ${raw}: "${bucket}" is not a bucket name`);
    if (key === '') throw new InputError(`${option} ${raw}: needs an object key, s3://${bucket}/<key>`);
    return { scheme: 's3', bucket, key, text: raw };
  }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(raw)?.[1];
  throw new InputError(
    scheme
      ? `${option} ${raw}: unknown scheme "${scheme}:" (use ${forms})`
      : `${option} must be ${forms}, got "${raw}"`,
  );
}

/** What reads and writes objects of S3 (bin/records-s3.ts); absent when no S3 location is used. */
export interface ObjectStore {
  get(bucket: string, key: string): Promise<string>;
  put(bucket: string, key: string, body: string): Promise<void>;
  /** Throws InputError when the bucket does not exist. */
  check(bucket: string): Promise<void>;
}

/** Reads the text at `loc`. */
export async function readLocation(loc: Location, s3: () => Promise<ObjectStore>): Promise<string> {
  if (loc.scheme === 's3') return (await s3()).get(loc.bucket, loc.key);
  try {
    return await readFile(loc.path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new InputError(`${loc.text}: no such file (${loc.path})`);
    if (code === 'EISDIR') throw new InputError(`${loc.text}: is a directory`);
    throw new InputError(`${loc.text}: cannot read: ${(e as Error).message}`);
  }
}

/** Writes `text` at `loc` (a file through a temporary file and a rename: never half written). */
export async function writeLocation(
  loc: Location,
  text: string,
  s3: () => Promise<ObjectStore>,
): Promise<void> {
  if (loc.scheme === 's3') return (await s3()).put(loc.bucket, loc.key, text);
  const tmp = `${loc.path}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, text);
    await rename(tmp, loc.path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'its folder does not exist' : (e as Error).message;
    throw new InputError(`${loc.text}: cannot write: ${why}`);
  }
}

/** Checks before a long export that the destination can be written to (the bucket exists). */
export async function checkWritable(loc: Location, s3: () => Promise<ObjectStore>): Promise<void> {
  if (loc.scheme === 's3') await (await s3()).check(loc.bucket);
}

/**
 * The records of an export document (the API's `{ format, records, … }`, as `records export`
 * writes it, or a plain array of records).
 */
export function recordsOfDocument(text: string, where: string): unknown[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${where}: not JSON (${(e as Error).message})`);
  }
  const records = Array.isArray(doc)
    ? doc
    : doc !== null && typeof doc === 'object'
      ? (doc as { records?: unknown }).records
      : undefined;
  if (!Array.isArray(records))
    throw new InputError(`${where}: not an export (expected { "records": [ … ] } or an array of records)`);
  return records;
}
