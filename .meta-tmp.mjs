import { build } from 'esbuild';
const fn = process.argv[2];
const r = await build({ entryPoints: [`functions/${fn}/index.ts`], bundle: true, minify: true, platform: 'node', format: 'esm', target: 'node22', write: false, metafile: true, mainFields: ['module','main'], alias: { '@aws-sdk/credential-provider-node': './lib/aws/env-credentials.ts' }, outfile: '/tmp/x.mjs' });
const out = Object.values(r.metafile.outputs)[0];
const groups = {};
for (const [file, info] of Object.entries(out.inputs)) {
  let m = file.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  const key = m ? m[1] : file.split('/').slice(0,2).join('/');
  groups[key] = (groups[key] ?? 0) + info.bytesInOutput;
}
const total = Object.values(groups).reduce((a,b)=>a+b,0);
console.log(fn, (total/1024).toFixed(0), 'KB');
for (const [k,v] of Object.entries(groups).sort((a,b)=>b[1]-a[1]).slice(0,25)) console.log((v/1024).toFixed(1).padStart(7), k);
