/**
 * Bundle size and module load time of every Lambda, built with the project's esbuild
 * settings (infra/bundling.ts), side by side with a baseline bundle of the same handler
 * that takes the AWS SDK v3 clients whole (their CommonJS builds, every command of each
 * client, no tree-shaking). Load time: `import()` of the built file in a fresh Node
 * process, median of interleaved runs.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import { LAMBDA_BUNDLE } from '../infra/bundling.ts';
import { VARS } from '../lib/config/env.ts';
import { printTable } from './lib.ts';

const ROOT = resolve(import.meta.dirname, '..');
const OUT = join(ROOT, 'bench', 'out', 'bundles');
const RUNS = Number(process.env.BENCH_LOAD_RUNS ?? 7);
/** Targets: every bundle within 400 KB minified (issue 10); module load within 150 ms (foundation issue). */
const MAX_BUNDLE_KB = 400;
const MAX_LOAD_MS = 150;

async function build(entry: string, outfile: string, baseline: boolean): Promise<void> {
  await esbuild.build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: LAMBDA_BUNDLE.platform,
    target: LAMBDA_BUNDLE.target,
    minify: LAMBDA_BUNDLE.minify,
    sourcemap: LAMBDA_BUNDLE.sourcemap,
    external: [...LAMBDA_BUNDLE.external],
    logLevel: 'silent',
    ...(baseline
      ? { format: 'cjs', mainFields: ['main'] }
      : {
          format: 'esm',
          mainFields: [...LAMBDA_BUNDLE.mainFields],
          banner: { js: LAMBDA_BUNDLE.banner },
          alias: LAMBDA_BUNDLE.alias,
          absWorkingDir: ROOT,
        }),
  });
}

/**
 * Placeholder values for the configuration variables the functions read at cold start (found
 * by scanning lib/ and functions/ for `*_TABLE`, `*_ARN`, … names), so every bundle can be
 * imported outside Lambda. JSON-valued ones (`*_TABLES`) get `{}`.
 */
function placeholderEnv(): Record<string, string> {
  const names = new Set<string>();
  const scan = (dir: string) => {
    for (const f of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, f.name);
      if (f.isDirectory()) scan(p);
      else if (f.name.endsWith('.ts')) {
        for (const m of readFileSync(p, 'utf8').matchAll(
          /\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*_(?:TABLES?|ARN|ID|NAME|GROUP|ENDPOINT|STAGE|PROVIDER)\b/g,
        )) {
          names.add(m[0]);
        }
      }
    }
  };
  scan(join(ROOT, 'lib'));
  scan(join(ROOT, 'functions'));
  return Object.fromEntries(
    [...names].map((n) => {
      if (n.endsWith('_TABLES')) return [n, '{}'];
      if (n.endsWith('_ARN')) return [n, 'arn:aws:lambda:us-east-1:000000000000:function:bench'];
      if (n.endsWith('_ENDPOINT')) return [n, 'http://127.0.0.1:9'];
      if (n === 'TRANSLATION_PROVIDER') return [n, 'offline'];
      return [n, `bench${n.toLowerCase().replace(/_/g, '')}`];
    }),
  );
}
/** A valid placeholder for each declared variable (lib/config/env.ts), e.g. `TEMPORA_ENV`. */
function declaredPlaceholders(): Record<string, string> {
  const sample = (name: string): string => {
    if (name.endsWith('_TABLES')) return '{}';
    if (name.endsWith('_ARN')) return 'arn:aws:lambda:us-east-1:000000000000:function:bench';
    if (name.endsWith('_RETRIES')) return '1';
    if (name.endsWith('_MS')) return '1000';
    if (name === 'TRANSLATION_PROVIDER') return 'offline';
    return `bench${name.toLowerCase().replace(/_/g, '')}`;
  };
  return Object.fromEntries(Object.values(VARS).map((v) => [v.name, sample(v.name)]));
}
const PLACEHOLDERS = { ...placeholderEnv(), ...declaredPlaceholders() };

/** Milliseconds from start of `import()` to the module (and its init code) being ready, in a fresh process. */
function loadMs(file: string): number {
  const script = `const t=performance.now();await import(${JSON.stringify(pathToFileURL(file).href)});process.stdout.write(String(performance.now()-t));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: {
      ...process.env,
      ...PLACEHOLDERS,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'bench',
      AWS_SECRET_ACCESS_KEY: 'bench',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  });
  if (r.status !== 0) throw new Error(`loading ${file} failed: ${r.stderr}`);
  return Number(r.stdout);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};

export async function runBundleBench(): Promise<void> {
  const fns = readdirSync(join(ROOT, 'functions')).filter((d) =>
    statSync(join(ROOT, 'functions', d)).isDirectory(),
  );
  const rows: Array<Record<string, string | number>> = [];
  let failures = 0;
  let withinKb = 0;
  let maxKb = 0;
  let maxLoadMs = 0;
  for (const fn of fns) {
    const entry = join(ROOT, 'functions', fn, 'index.ts');
    const ours = join(OUT, fn, 'index.mjs');
    const base = join(OUT, `${fn}.baseline`, 'index.cjs');
    mkdirSync(join(OUT, fn), { recursive: true });
    await build(entry, ours, false);
    await build(entry, base, true);
    const a = statSync(ours).size;
    const b = statSync(base).size;
    const ga = gzipSync(readFileSync(ours)).length;
    const la: number[] = [];
    const lb: number[] = [];
    try {
      for (let i = 0; i < RUNS; i++) {
        la.push(loadMs(ours));
        lb.push(loadMs(base));
      }
    } catch (e) {
      console.log(`  ${fn}: could not load outside Lambda (${(e as Error).message.split('\n')[0]})`);
      la.push(Number.NaN);
      lb.push(Number.NaN);
    }
    const [ma, mb] = [median(la), median(lb)];
    const ok = a / 1024 <= MAX_BUNDLE_KB && ma <= MAX_LOAD_MS;
    if (a / 1024 <= MAX_BUNDLE_KB) withinKb++;
    maxKb = Math.max(maxKb, a / 1024);
    maxLoadMs = Number.isNaN(ma) ? Number.NaN : Math.max(maxLoadMs, ma);
    if (!ok) failures++;
    rows.push({
      function: fn,
      'size KB': (a / 1024).toFixed(0),
      'gzip KB': (ga / 1024).toFixed(0),
      'baseline KB': (b / 1024).toFixed(0),
      'size ratio': `${(a / b).toFixed(2)}×`,
      'load ms (p50)': ma.toFixed(1),
      'baseline load ms': mb.toFixed(1),
      'load ratio': `${(ma / mb).toFixed(2)}×`,
      [`≤${MAX_BUNDLE_KB}KB & ≤${MAX_LOAD_MS}ms`]: ok ? 'yes' : 'NO',
    });
  }
  printTable(rows);
  console.log(
    `${fns.length - failures}/${fns.length} functions within ${MAX_BUNDLE_KB} KB and ${MAX_LOAD_MS} ms; ${RUNS} interleaved loads each.`,
  );
  console.log(
    `bundles-summary max_kb=${maxKb.toFixed(0)} max_load_ms=${maxLoadMs.toFixed(1)} within=${withinKb}/${fns.length}`,
  );
}
