import * as esbuild from 'esbuild';
import { LAMBDA_BUNDLE } from '../infra/bundling.ts';
const f = process.argv[2];
const r = await esbuild.build({ entryPoints: [`functions/${f}/index.ts`], outfile: `/tmp/meta-${f}.mjs`, bundle: true, platform: 'node', target: 'node22', minify: true, format: 'esm', mainFields: [...LAMBDA_BUNDLE.mainFields], banner: { js: LAMBDA_BUNDLE.banner }, alias: LAMBDA_BUNDLE.alias, absWorkingDir: process.cwd(), logLevel: 'silent', metafile: true });
const out = Object.values(r.metafile.outputs)[0];
const rows0 = Object.entries(out.inputs).map(([k, v]) => [k, v.bytesInOutput]).sort((a, b) => b[1] - a[1]);
const rows = rows0;
if (process.env.ZOD) { for (const [k,v] of rows0.filter(([k])=>k.includes("zod")).sort((a,b)=>b[1]-a[1])) console.log(v, k); }
const groups = new Map();
for (const [k, b] of rows) { const g = k.startsWith('node_modules') ? k.split('/').slice(0, k.split('/')[1].startsWith('@') ? 3 : 2).join('/') : k.split('/').slice(0,2).join('/'); groups.set(g, (groups.get(g) ?? 0) + b); }
console.log([...groups].sort((a,b)=>b[1]-a[1]).slice(0, 40).map(([g,b]) => `${(b/1024).toFixed(1).padStart(7)} ${g}`).join('\n'));
console.log('--- lib files');
console.log(rows.filter(([k]) => k.startsWith('lib/')).slice(0, 40).map(([k,b]) => `${(b/1024).toFixed(2).padStart(7)} ${k}`).join('\n'));
