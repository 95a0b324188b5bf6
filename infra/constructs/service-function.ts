import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, Validations } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, type NodejsFunctionProps, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { baseEnv } from '../../lib/config/functions.ts';
import { LAMBDA_BUNDLE } from '../bundling.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * NodejsFunction bundling from the shared esbuild settings (infra/bundling.ts): ESM,
 * minified, SDK v3 bundled (never left external: the emulator substitutes stubs for an
 * external SDK, and bundling lets esbuild keep only the commands a function imports).
 */
export const BUNDLING: NodejsFunctionProps['bundling'] = {
  format: OutputFormat.ESM,
  target: LAMBDA_BUNDLE.target,
  minify: LAMBDA_BUNDLE.minify,
  sourceMap: LAMBDA_BUNDLE.sourcemap,
  externalModules: [...LAMBDA_BUNDLE.external],
  mainFields: [...LAMBDA_BUNDLE.mainFields],
  banner: LAMBDA_BUNDLE.banner,
  // esbuild runs in the project root (local bundling), where the alias paths are relative.
  esbuildArgs: { '--alias': Object.entries(LAMBDA_BUNDLE.alias).map(([from, to]) => `${from}=${to}`) },
};

export interface ServiceFunctionProps {
  /** Folder under functions/ holding index.ts. */
  folder: string;
  /** Service name for Powertools (logs, metrics). */
  serviceName: string;
  /** The function's variables, rendered from its schema in lib/config/functions.ts. */
  environment: Record<string, string>;
  memorySize?: number;
  timeout?: Duration;
  retention: logs.RetentionDays;
  /** Explicit function name (needed when the function's own ARN must be known before it exists). */
  functionName?: string;
  /** Dead-letter queue for asynchronous invocations that still fail after Lambda's retries. */
  asyncDeadLetterQueue?: sqs.IQueue;
  /** Shell commands run after esbuild, given the bundle's folder (e.g. files shipped beside the handler). */
  afterBundling?: (outputDir: string) => string[];
}

/** A Tempora Lambda: Node.js 22 on arm64, bundled from functions/<folder>/index.ts. */
export class ServiceFunction extends Construct {
  readonly fn: NodejsFunction;
  /** Its Powertools service name (the `service` dimension of its metrics). */
  readonly serviceName: string;
  /** Its folder under functions/ (a service may have several functions). */
  readonly folder: string;

  constructor(scope: Construct, id: string, props: ServiceFunctionProps) {
    super(scope, id);
    this.serviceName = props.serviceName;
    this.folder = props.folder;
    const logGroup = new logs.LogGroup(this, 'Logs', { retention: props.retention });
    this.fn = new NodejsFunction(this, 'Fn', {
      entry: path.join(ROOT, 'functions', props.folder, 'index.ts'),
      handler: 'handler',
      projectRoot: ROOT,
      depsLockFilePath: path.join(ROOT, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(15),
      tracing: lambda.Tracing.ACTIVE,
      logGroup,
      bundling: props.afterBundling
        ? {
            ...BUNDLING,
            commandHooks: {
              beforeBundling: () => [],
              beforeInstall: () => [],
              afterBundling: (_inputDir, outputDir) => props.afterBundling?.(outputDir) ?? [],
            },
          }
        : BUNDLING,
      ...(props.functionName ? { functionName: props.functionName } : {}),
      ...(props.asyncDeadLetterQueue
        ? { deadLetterQueue: props.asyncDeadLetterQueue, retryAttempts: 2 }
        : {}),
      environment: {
        ...baseEnv.render({
          powertoolsServiceName: props.serviceName,
          metricsNamespace: 'Tempora',
          service: props.serviceName,
        }),
        ...props.environment,
      },
    });
    // Scoped to this function's own role policy (not stack-wide): Active tracing adds
    // xray:PutTraceSegments/PutTelemetryRecords, which have no resource-level scoping.
    Validations.of(this.fn).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray trace submission (and, for stream consumers, dynamodb:ListStreams) cannot be scoped to a resource.',
    });
  }
}

/** Add a rendered environment block (`schema.render({...})`) to a function defined elsewhere. */
export function addEnvironment(
  fn: { addEnvironment(name: string, value: string): unknown },
  block: Record<string, string>,
): void {
  for (const [name, value] of Object.entries(block)) fn.addEnvironment(name, value);
}
