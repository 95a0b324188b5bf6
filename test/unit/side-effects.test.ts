/**
 * lib/ modules run nothing at import time, beyond a short declared list of cheap, pure calls.
 *
 * Two reasons. package.json `sideEffects` tells esbuild that lib/ modules only declare things, so
 * a module whose exports a Lambda never uses is left out of its bundle (e.g. the records
 * service's route schemas in every other function); that holds only while importing them runs
 * nothing. And a cold start should build only what the invocation needs: a client built, a key
 * derived or the environment read at import costs every cold start of every function importing
 * the file, and reads configuration before the handler can report it missing as a clear error.
 * Real work at load is made lazy instead (lib/lambda-kit/lazy.ts `once` and `lazy`).
 *
 * test/kit/load-time.ts finds every call a module makes at load, following calls into lib/
 * functions (so `const x = helper()` is flagged when `helper` does work, and passes when it only
 * builds schemas); each call left must match an entry of ALLOWED below, which says why it may run.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { type AllowedCall, LoadTimeAnalysis } from '../kit/load-time.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const listed = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { sideEffects: string[] })
  .sideEffects;

/** The calls lib/ modules may make at load, each with its reason. */
const ALLOWED: AllowedCall[] = [
  {
    callee: /^zod\/mini:\*\.(?!config$)/,
    reason:
      'zod/mini schema builders (z.object, z.string().check(…), …) build plain schema objects: no I/O, no ' +
      'global state; the functions they take (refine, transform) run at parse time, not at load',
  },
  {
    callee: /\.check$/,
    reason: 'zod/mini `.check(…)` on a schema held in a variable: returns a new schema, as the builders do',
  },
  {
    callee: /^Object\.(freeze|keys|values|entries|fromEntries)$/,
    reason: 'reads or freezes a constant object: pure, no I/O',
  },
  {
    callee: /^new (Set|Map|WeakMap|RegExp|TextEncoder)$/,
    reason:
      'a collection of constants, an empty module-local cache, a regular expression of a constant ' +
      'pattern or a UTF-8 encoder: in memory, microseconds',
  },
  {
    callee: /^Buffer\.from$/,
    reason: 'bytes of a constant string: in memory, microseconds',
  },
  {
    callee: /\.(map|filter|flatMap|join|includes|keys|values|entries|get|set|toLowerCase)$/,
    callbacks: 'now',
    reason:
      'array, Map and string methods over constants (the service list, route tables, header names): ' +
      'pure transforms of module-local values; the functions they are given run at once, so their ' +
      'bodies are checked too',
  },
  {
    callee: /^ulidx:monotonicFactory$/,
    reason:
      'a ULID generator: a closure over the last timestamp (it only looks up crypto.getRandomValues, no ' +
      'I/O); it must be one per module for the ids it makes to be monotonic within an instance',
  },
  {
    callee: /^new @aws-lambda-powertools\/(logger:Logger|metrics:Metrics)$/,
    file: 'lib/observability.ts',
    reason:
      "the process's one Powertools logger and metrics instance, built at module scope as Powertools " +
      'documents (every function uses both from its first line; they read only POWERTOOLS_* variables, ' +
      'which Lambda sets before the module loads); no I/O until a handler logs or flushes',
  },
  {
    callee: /^(zod\/mini:\*\.config|zod\/v4\/locales\/en\.js:default)$/,
    file: 'lib/config/zod.ts',
    reason:
      "installs zod's English messages: the one lib/ module imported for its effect (listed in " +
      'package.json sideEffects, imported by lib/errors.ts)',
  },
];

const analysis = new LoadTimeAnalysis(ROOT, ALLOWED);
const LIB = analysis.files('lib');

/** Top-level statements that run something at import time (not declarations, imports or exports). */
function sideEffectsOf(file: string): string[] {
  const sf = ts.createSourceFile(file, readFileSync(join(ROOT, file), 'utf8'), ts.ScriptTarget.Latest, true);
  return sf.statements
    .filter(
      (s) =>
        ts.isExpressionStatement(s) ||
        (ts.isImportDeclaration(s) && s.importClause === undefined) ||
        ts.isIfStatement(s) ||
        ts.isForStatement(s) ||
        ts.isForOfStatement(s),
    )
    .map((s) => s.getText(sf).slice(0, 60));
}

// Each test parses every lib/ file with the TypeScript compiler: seconds on a loaded machine, so not the 5 s default.
describe('what lib/ runs at import', { timeout: 60_000 }, () => {
  it('no lib/ module calls anything at load outside the allow-list', () => {
    const found = LIB.flatMap((f) => analysis.loadTimeCalls(f)).map((c) => `${c.at}: ${c.chain.join(' → ')}`);
    expect(
      found,
      'make it lazy (lib/lambda-kit/lazy.ts `once`/`lazy`), or, for a cheap pure call, add it to ALLOWED with its reason',
    ).toEqual([]);
  });

  it('every allow-list entry is still needed', () => {
    expect(analysis.unused(LIB).map((a) => a.reason)).toEqual([]);
  });

  it('package.json sideEffects lists everything outside lib/ and, in lib/, exactly the modules that run a statement on import', () => {
    for (const dir of ['bench', 'bin', 'console', 'functions', 'infra', 'localstack', 'test'])
      expect(listed).toContain(`./${dir}/**`);
    const inLib = listed.filter((p) => p.startsWith('./lib/'));
    const running = LIB.filter((f) => sideEffectsOf(f).some((s) => !s.startsWith('import '))).map(
      (f) => `./${f}`,
    );
    expect(running.sort()).toEqual([...inLib].sort());
    expect(inLib).toContain('./lib/config/zod.ts');
  });

  it('every module lib/ imports only for its effect is listed in package.json sideEffects', () => {
    for (const f of LIB)
      for (const s of sideEffectsOf(f).filter((x) => x.startsWith('import '))) {
        const target = resolve(ROOT, dirname(f), s.replace(/^import ['"](.*)['"];?$/, '$1'));
        expect(listed, `${f}: ${s}`).toContain(`./${relative(ROOT, target)}`);
      }
  });
});

describe('the load-time analysis', () => {
  const dir = mkdtempSync(join(tmpdir(), 'load-time-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (files: Record<string, string>): void => {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(dir, dirname(path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
  };
  write({
    'lib/lazy.ts': `export function once<T>(build: () => T): () => T {
  let v: { value: T } | undefined;
  return () => (v ??= { value: build() }).value;
}`,
    'lib/helpers.ts': `import { Client } from 'some-sdk';
export const pureList = (xs: string[]) => xs.map((x) => x.toLowerCase());
export function makeClient() { return new Client({ region: process.env.AWS_REGION }); }
export function callsBack(f: () => void) { f(); }
export class Store { readonly client = makeClient(); }`,
    'lib/index.ts': `export { makeClient, pureList } from './helpers.ts';`,
    'lib/bad.ts': `import { Client } from 'some-sdk';
import { makeClient } from './index.ts';
import { callsBack, Store } from './helpers.ts';
export const a = makeClient();
const b = new Client();
export default new Store();
class C { static client = makeClient(); static { callsBack(() => {}); } }
const region = process.env.AWS_REGION;
[1, 2].map(() => makeClient());`,
    'lib/good.ts': `import { Client } from 'some-sdk';
import { once } from './lazy.ts';
import { makeClient, pureList } from './index.ts';
export const client = once(() => new Client());
export const other = once(makeClient);
export const names = pureList(['A', 'B']);
export function later() { return makeClient(); }
class D { client = makeClient(); method() { return new Client(); } }
if (names.length === 0) throw new Error('no names');`,
  });
  const fixture = new LoadTimeAnalysis(dir, [
    { callee: /\.(map|toLowerCase)$/, callbacks: 'now', reason: 'pure' },
  ]);

  it('flags each form of work at load: initialisers, exports, static members and blocks, env reads, callbacks run at once', () => {
    const found = fixture
      .loadTimeCalls('lib/bad.ts')
      .map((c) => `${c.at} ${c.chain.map((x) => x.split(' (')[0])}`);
    expect(found).toEqual([
      'lib/bad.ts:4 lib/index.ts:makeClient,new some-sdk:Client',
      'lib/bad.ts:4 lib/index.ts:makeClient,process.env read',
      'lib/bad.ts:5 new some-sdk:Client',
      'lib/bad.ts:6 new lib/helpers.ts:Store,lib/helpers.ts:makeClient,new some-sdk:Client',
      'lib/bad.ts:6 new lib/helpers.ts:Store,lib/helpers.ts:makeClient,process.env read',
      'lib/bad.ts:7 lib/index.ts:makeClient,new some-sdk:Client',
      'lib/bad.ts:7 lib/index.ts:makeClient,process.env read',
      'lib/bad.ts:7 lib/helpers.ts:callsBack,f',
      'lib/bad.ts:8 process.env read',
      'lib/bad.ts:9 lib/index.ts:makeClient,new some-sdk:Client',
      'lib/bad.ts:9 lib/index.ts:makeClient,process.env read',
    ]);
  });

  it('passes deferred work (once, function bodies, instance members), pure helpers and throws', () => {
    expect(fixture.loadTimeCalls('lib/good.ts')).toEqual([]);
  });
});
