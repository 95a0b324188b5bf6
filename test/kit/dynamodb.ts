/**
 * The one DynamoDB fake of the unit tests: a `DynamoDBDocumentClient` stand-in that records
 * every command and answers through a responder. Tests pick the responder: none (every
 * command succeeds with `{}`), a function of the command (canned answers, injected
 * failures), or, for stateful tests, the in-memory tables of {@link DynamoModel}
 * (test/kit/dynamodb-model.ts).
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { expect } from 'vitest';

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];
export type Responder<C = unknown> = (cmd: C) => unknown | Promise<unknown>;

export class FakeDdb<C = unknown> {
  readonly sent: C[] = [];
  /** Runs ahead of each command (to inject a concurrent writer or a failure). */
  before: (cmd: C) => void | Promise<void> = () => {};

  /** What answers each command (a stateful model sets its own: test/kit/dynamodb-model.ts). */
  constructor(protected respond: Responder<C> = () => ({})) {}

  async send(cmd: C): Promise<unknown> {
    this.sent.push(cmd);
    await this.before(cmd);
    return this.respond(cmd);
  }

  /** This fake, typed as the client the code under test takes. */
  get client(): DynamoDBDocumentClient {
    return this as unknown as DynamoDBDocumentClient;
  }

  /** The commands of one type, in the order sent. */
  of<T>(type: abstract new (...a: never[]) => T): T[] {
    return this.sent.filter((c): c is C & T => c instanceof type);
  }

  /** The input of the one command of a type (fails the test unless exactly one was sent). */
  one<T extends { input: unknown }>(type: abstract new (...a: never[]) => T): T['input'] {
    const sent = this.of(type);
    expect(sent, `one ${type.name}`).toHaveLength(1);
    return (sent[0] as T).input;
  }

  get transactions(): TransactItem[][] {
    return this.of(TransactWriteCommand).map((c) => c.input.TransactItems ?? []);
  }

  get gets(): GetCommand[] {
    return this.of(GetCommand);
  }

  get puts(): PutCommand[] {
    return this.of(PutCommand);
  }

  get queries(): QueryCommandInput[] {
    return this.of(QueryCommand).map((c) => c.input);
  }
}

/** The error DynamoDB throws when a transaction's condition fails (`reasons` per item). */
export const transactionConditionFailure = (
  reasons: string[] = ['ConditionalCheckFailed'],
): TransactionCanceledException =>
  new TransactionCanceledException({
    message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.join(', ')}]`,
    $metadata: {},
    CancellationReasons: reasons.map((Code) => ({ Code })),
  });
