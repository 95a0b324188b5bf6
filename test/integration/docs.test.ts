/**
 * Docs that run: every ```bash block of README.md and docs/*.md, top to bottom per file, as a
 * reader runs them after `npm run local` with API and TOKEN exported (see README).
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { docExamples, scriptOf } from '../docs/examples.ts';
import { loadOutputs } from './support/outputs.ts';
import { runCommand } from './support/process.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

const runBash = (script: string, env: NodeJS.ProcessEnv) =>
  runCommand('bash', ['-c', script], { cwd: root, env });

describe.each(docExamples(root))('$file', (doc) => {
  it(`its ${doc.blocks.length} bash example(s) run as written`, { timeout: 240_000 }, async () => {
    const out = loadOutputs();
    const { code, output } = await runBash(scriptOf(doc), {
      ...process.env,
      API: out.httpApiUrl,
      TOKEN: out.tokens.admin,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    });
    expect(code, output.slice(-4000)).toBe(0);
  });
});
