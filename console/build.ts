/**
 * Builds the console (console/src) into a folder of static files: `index.html`, one
 * content-hashed entry script and its lazily loaded chunks (Mermaid's diagram code loads only
 * when the graph view draws), one stylesheet. No CDN at run time: everything is in the folder.
 *
 *   tsx console/build.ts <out-dir>
 *
 * infra/constructs/console.ts ships the folder beside the console function's handler.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import * as esbuild from 'esbuild';

const SRC = resolve(import.meta.dirname, 'src');

/** The esbuild options of the page (also used by the bundle benchmark). */
export function consoleBuildOptions(outDir: string): esbuild.BuildOptions {
  return {
    entryPoints: { app: join(SRC, 'main.tsx'), style: join(SRC, 'style.css') },
    outdir: outDir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome120', 'firefox120', 'safari17'],
    minify: true,
    sourcemap: false,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    entryNames: '[name]-[hash]',
    chunkNames: 'chunk-[hash]',
    metafile: true,
    legalComments: 'none',
    logLevel: 'silent',
  };
}

function indexHtml(script: string, style: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tempora console</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="./console/${style}">
<script type="module" src="./console/${script}"></script>
</head>
<body>
<div id="app"><noscript>The Tempora console needs JavaScript.</noscript></div>
</body>
</html>
`;
}

/** Writes the console into `outDir` (emptied first); returns the files written. */
export function buildConsole(outDir: string): string[] {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const result = esbuild.buildSync(consoleBuildOptions(outDir));
  const outputs = Object.keys(result.metafile?.outputs ?? {}).map((f) => basename(f));
  const script = outputs.find((f) => /^app-\w+\.js$/.test(f));
  const style = outputs.find((f) => /^style-\w+\.css$/.test(f));
  if (!script || !style)
    throw new Error(`console build wrote no entry script or stylesheet: ${outputs.join(', ')}`);
  // The stylesheet entry also emits an empty script: drop it.
  const files = outputs.filter((f) => !/^style-\w+\.js$/.test(f));
  for (const f of outputs) if (!files.includes(f)) rmSync(join(outDir, f));
  writeFileSync(join(outDir, 'index.html'), indexHtml(script, style));
  return ['index.html', ...files];
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const out = resolve(process.argv[2] ?? 'console/dist');
  const files = buildConsole(out);
  const kb = (f: string) => (readFileSync(join(out, f)).length / 1024).toFixed(0);
  console.log(`console built in ${out}: ${files.map((f) => `${f} ${kb(f)} KB`).join(', ')}`);
}
