/**
 * Docs that run: every ```bash block of README.md and docs/*.md, top to bottom per file, as a
 * reader runs them after `npm run local` with API and TOKEN exported (see README).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { docExamples, scriptOf } from '../docs/examples.ts';
import { loadOutputs } from './support/outputs.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

function runBash(script: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

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
