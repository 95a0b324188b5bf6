/**
 * A function's own metrics, read as an operator reads them: the Powertools EMF lines its
 * invocations wrote to CloudWatch Logs (the function's log group, from its logging
 * configuration). The emulator writes a function's log lines when its invocation ends (a tick
 * burst: after its burst).
 */
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { emulatorClientConfig } from '../../kit/emulator.ts';
import { lambdaClient } from './faults.ts';

/** Where a function logs: its `LoggingConfig.LogGroup`, else `/aws/lambda/<name>`. */
async function logGroupOf(functionName: string): Promise<string> {
  const c = await lambdaClient().send(new GetFunctionConfigurationCommand({ FunctionName: functionName }));
  return c.LoggingConfig?.LogGroup ?? `/aws/lambda/${functionName}`;
}

export type EmfRecord = Record<string, unknown>;

/** Every EMF record of `functionName` since `sinceMs` whose properties include `match`. */
export async function emfRecords(
  functionName: string,
  sinceMs: number,
  match: Record<string, string> = {},
): Promise<EmfRecord[]> {
  const logs = new CloudWatchLogsClient(emulatorClientConfig());
  const logGroupName = await logGroupOf(functionName);
  const records: EmfRecord[] = [];
  try {
    let nextToken: string | undefined;
    do {
      const page = await logs.send(
        new FilterLogEventsCommand({
          logGroupName,
          startTime: sinceMs,
          nextToken,
        }),
      );
      for (const e of page.events ?? []) {
        const text = e.message ?? '';
        const start = text.indexOf('{"_aws"');
        if (start < 0) continue;
        try {
          const record = JSON.parse(text.slice(start)) as EmfRecord;
          if (Object.entries(match).every(([k, v]) => record[k] === v)) records.push(record);
        } catch {
          // not a whole EMF line
        }
      }
      nextToken = page.nextToken;
    } while (nextToken);
  } catch (e) {
    if ((e as { name?: string }).name === 'ResourceNotFoundException') return [];
    throw e;
  } finally {
    logs.destroy();
  }
  return records;
}

/** The values of metric `name` over `records` (EMF holds one value or a list per record). */
export const metricValues = (records: readonly EmfRecord[], name: string): number[] =>
  records.flatMap((r) => [r[name]].flat().filter((v): v is number => typeof v === 'number'));

export const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);
