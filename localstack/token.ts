/**
 * Dev tokens on demand for the local stack: the signing key is read the way `npm run local`
 * reads it (the stack's `JwtSecretArn` output, then the secret), so a token minted here is
 * accepted by every function of the running stack.
 */
import { mintToken, type Principal } from '../lib/auth/tokens.ts';
import type { LocalConfig } from './config.ts';
import { probeHealth } from './emulator.ts';
import { LocalError } from './progress.ts';
import { platformOutputs, readSecret, stackStatus } from './stack.ts';

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** Longest lifetime a dev token may have (a token is a bearer credential, even locally). */
export const MAX_TTL_SECONDS = 7 * 86_400;

/** `90s`, `15m`, `1h`, `2d` or a number of seconds → seconds; throws on anything else. */
export function parseTtl(raw: string): number {
  const m = /^(\d+)([smhd]?)$/.exec(raw.trim());
  const seconds = m ? Number(m[1]) * (UNITS[m[2] || 's'] ?? 1) : Number.NaN;
  if (!Number.isSafeInteger(seconds) || seconds <= 0)
    throw new LocalError(`--ttl must be a duration such as 90s, 15m, 1h or 2d, got "${raw}"`);
  if (seconds > MAX_TTL_SECONDS) throw new LocalError(`--ttl must be at most 7d, got "${raw}"`);
  return seconds;
}

/**
 * Signs a token for `principal` with the local stack's key. Refuses, naming the fix, when no
 * emulator answers at `cfg.endpoint` or the stack is not deployed there.
 */
export async function mintLocalToken(
  cfg: LocalConfig,
  principal: Principal,
  ttlSeconds: number,
): Promise<string> {
  if (!(await probeHealth(cfg.endpoint)))
    throw new LocalError(
      `no local stack is up: nothing answers at ${cfg.endpoint}. Start it with "npm run local".`,
    );
  const status = await stackStatus(cfg.endpoint, cfg.region, cfg.stackName);
  if (!status || !/_COMPLETE$/.test(status) || /DELETE|ROLLBACK_COMPLETE$/.test(status))
    throw new LocalError(
      `stack ${cfg.stackName} is not deployed at ${cfg.endpoint} (status: ${status ?? 'none'}). Run "npm run local".`,
    );
  const outputs = await platformOutputs(cfg.endpoint, cfg.region, cfg.stackName);
  const secretArn = outputs.JwtSecretArn;
  if (!secretArn) throw new LocalError(`stack ${cfg.stackName} has no JwtSecretArn output`);
  return mintToken(await readSecret(cfg.endpoint, cfg.region, secretArn), principal, ttlSeconds);
}
