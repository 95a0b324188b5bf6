/**
 * `npx tempora token` against the deployed stack: the token it prints is accepted by the API
 * and speaks for the subject it was asked for.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { api } from './support/client.ts';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));

async function cliToken(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, ['bin/tempora.mjs', 'token', ...args], { cwd: root });
  return stdout;
}

describe('npx tempora token', () => {
  it('prints only a token, which the API accepts for that subject and role', async () => {
    const sub = `cli-${Date.now().toString(36)}`;
    const stdout = await cliToken('--role', 'user', '--sub', sub, '--ttl', '10m');
    expect(stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const token = stdout.trim();

    const created = await api('POST', '/api/referrals', {
      token,
      body: { referrer_id: sub, code: `tok_${sub}` },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body.owner_id).toBe(sub);

    // The role is carried too: a user token may not list users (admin/service only).
    const users = await api('GET', '/api/users', { token });
    expect(users.status).toBe(403);
  });
});
