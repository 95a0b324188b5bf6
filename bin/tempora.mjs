#!/usr/bin/env node
// The `tempora` command (package.json "bin"): a plain-Node launcher that loads bin/cli.ts
// through the project's own tsx (resolved from this package's node_modules), so
// `npx tempora kg …` works from the repository without a build step.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

// A reader that stops early (`tempora dlq list | head`) closes the pipe: end quietly, as other
// command-line tools do, instead of crashing on EPIPE.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

// Node 20 is supported here; the SDK's notice about its future minimum would only clutter stderr.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const require = createRequire(import.meta.url);
// `require.resolve('tsx/esm/api')` would pick the CommonJS build; take the ESM entry that
// tsx's package.json exports for `import`.
const pkgPath = require.resolve('tsx/package.json');
const entry = require(pkgPath).exports['./esm/api'].import.default;
const { tsImport } = await import(pathToFileURL(join(dirname(pkgPath), entry)).href);
const { runCli } = await tsImport('./cli.ts', import.meta.url);
process.exitCode = await runCli(process.argv.slice(2));
