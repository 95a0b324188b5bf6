import { build } from 'esbuild';
const r = await build({ entryPoints: [`functions/${process.argv[2]}/index.ts`], bundle: true, minify: true, platform: 'node', format: 'esm', target: 'node22', write: false, metafile: true, mainFields: ['module','main'], alias: { '@aws-sdk/credential-provider-node': './lib/aws/env-credentials.ts' }, outfile: '/tmp/x.mjs' });
const out = Object.values(r.metafile.outputs)[0];
const pat = process.argv[3];
const rows = Object.entries(out.inputs).filter(([f]) => f.includes(pat)).map(([f,i])=>[f.replace(/.*node_modules\//,''), i.bytesInOutput]).sort((a,b)=>b[1]-a[1]);
for (const [f,b] of rows.slice(0,25)) console.log((b/1024).toFixed(1).padStart(7), f);
// who imports
if (process.argv[4]) { for (const [f, i] of Object.entries(r.metafile.inputs)) for (const imp of i.imports) if (imp.path.includes(process.argv[4])) console.log('IMPORTER', f, '->', imp.path); }
