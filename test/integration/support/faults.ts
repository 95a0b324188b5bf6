/**
 * Faults injected into the deployed stack from outside the code, and undone: a function's
 * configuration (an environment variable pointing at something that is not there), read
 * through the Lambda API as an operator would change it. Tests restore in `finally`.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  GetFunctionConfigurationCommand,
  LambdaClient,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { emulatorClientConfig } from '../../kit/emulator.ts';
import { eventually } from './client.ts';

let client: LambdaClient | undefined;
export const lambdaClient = (): LambdaClient => {
  client ??= new LambdaClient(emulatorClientConfig());
  return client;
};

async function setEnvironment(functionName: string, variables: Record<string, string>): Promise<void> {
  await lambdaClient().send(
    new UpdateFunctionConfigurationCommand({
      FunctionName: functionName,
      Environment: { Variables: variables },
    }),
  );
  // The update is applied when the function reports it (and the old workers are recycled).
  await eventually(
    async () => {
      const c = await lambdaClient().send(
        new GetFunctionConfigurationCommand({ FunctionName: functionName }),
      );
      const vars = c.Environment?.Variables ?? {};
      const same =
        Object.keys(vars).length === Object.keys(variables).length &&
        Object.entries(variables).every(([k, v]) => vars[k] === v);
      return same && c.LastUpdateStatus !== 'InProgress' && c.State !== 'Pending' ? true : undefined;
    },
    30_000,
    `the configuration of ${functionName} applied`,
  );
}

/** The environment variables of a deployed function. */
export async function functionEnvironment(functionName: string): Promise<Record<string, string>> {
  const c = await lambdaClient().send(new GetFunctionConfigurationCommand({ FunctionName: functionName }));
  return { ...(c.Environment?.Variables ?? {}) };
}

/**
 * Changes environment variables of a deployed function (the others kept); resolves to the
 * function that puts the configuration back as it was.
 */
export async function patchEnvironment(
  functionName: string,
  patch: Record<string, string>,
): Promise<() => Promise<void>> {
  const before = await lambdaClient().send(
    new GetFunctionConfigurationCommand({ FunctionName: functionName }),
  );
  const original = { ...(before.Environment?.Variables ?? {}) };
  await setEnvironment(functionName, { ...original, ...patch });
  return () => setEnvironment(functionName, original);
}

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../..', import.meta.url));

/** Runs `npx tempora <args>` (bin/tempora.mjs) against the local stack; resolves to its output and code. */
export async function tempora(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/tempora.mjs', ...args], { cwd: root });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof err.code === 'number' ? err.code : 1,
      stdout: err.stdout ?? '',
      stderr: err.stderr ?? '',
    };
  }
}
