/**
 * Localization end to end on the emulator (offline provider, deployed with
 * `-c translationProvider=offline`): an entity's scripts are translated into its locales and
 * written back to the entity and `_metadata_master` with a `localization.translated` event;
 * an identical update writes nothing; a provider failure leaves the entity as it was, the
 * event ends in the dead-letter queue, and a later retry from there completes it.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulatorClientConfig } from '../kit/emulator.ts';
import { BusTap } from './support/bus-tap.ts';
import { api, entityRow, eventually, masterRow } from './support/client.ts';
import { loadOutputs } from './support/outputs.ts';

type Loc = {
  scripts_translations?: Record<string, Record<string, string>>;
  source_hash?: string;
  provider?: string;
};
const locOf = (row: Record<string, unknown> | undefined): Loc | undefined =>
  (row?.metadata as { service_specific?: { localization?: Loc } } | undefined)?.service_specific
    ?.localization;

const aws = emulatorClientConfig;
const output = (key: string): string => {
  const v = loadOutputs().stackOutputs[key];
  if (!v) throw new Error(`stack output ${key} missing: redeploy (npm run local:deploy)`);
  return v;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The failed event of a DLQ message: AWS puts the event itself in the body; the emulator (and
 * an OnFailure destination) wrap it as `{ requestPayload: event, ... }`.
 */
function eventOf(body: string | undefined): { detail?: { entity?: { id?: string } } } {
  const parsed = JSON.parse(body ?? '{}') as { requestPayload?: unknown };
  return (parsed.requestPayload ?? parsed) as { detail?: { entity?: { id?: string } } };
}

let tap: BusTap;
beforeAll(async () => {
  tap = await BusTap.open();
});
afterAll(async () => {
  await tap?.close();
});

describe('localization', () => {
  it('runs with the offline provider on the emulator', () => {
    expect(output('TranslationProvider')).toBe('offline');
  });

  it('translates a content entity into two locales; an identical update causes no new write', async () => {
    const scripts = { title: 'Hello world', 'cta.button': 'Sign up' };
    const c = await api<{ id: string; version: number }>('POST', '/api/content', {
      body: {
        title: 'Hello world',
        kind: 'article',
        metadata: { service_specific: { localization: { scripts, locales: ['fr', 'de'] } } },
      },
    });
    expect(c.status, c.text).toBe(201);
    const id = c.body.id;

    const row = await eventually(
      async () => {
        const r = await entityRow('content', id);
        return locOf(r)?.scripts_translations?.de ? r : undefined;
      },
      30_000,
      'translations on the entity',
    );
    expect(row.version).toBe(2);
    expect(locOf(row)).toMatchObject({
      provider: 'offline',
      scripts_translations: {
        fr: { title: '[fr] Hello world', 'cta.button': '[fr] Sign up' },
        de: { title: '[de] Hello world', 'cta.button': '[de] Sign up' },
      },
    });
    // Written back to _metadata_master in the same transaction.
    const master = await masterRow('content', id);
    expect(master?.version).toBe(2);
    expect(locOf(master)?.scripts_translations).toEqual(locOf(row)?.scripts_translations);
    // The API shows them too.
    const got = await api<{ metadata: { service_specific: { localization: Loc } } }>(
      'GET',
      `/api/content/${id}`,
    );
    expect(got.body.metadata.service_specific.localization.scripts_translations?.fr?.title).toBe(
      '[fr] Hello world',
    );

    const translated = () => tap.eventsFor(id).filter((e) => e.detailType === 'localization.translated');
    await tap.waitFor(() => translated().length >= 1);
    expect(translated()[0]?.envelope).toMatchObject({
      source: 'tempora.localization',
      entity: { type: 'content', id, version: 2 },
      payload: { locales: ['fr', 'de'], pairs: 4, provider: 'offline' },
    });

    // The same scripts again: the user's write (v3), then nothing from localization.
    const again = await api<{ version: number }>('PATCH', `/api/content/${id}`, {
      body: { metadata: { service_specific: { localization: { scripts, locales: ['fr', 'de'] } } } },
    });
    expect(again.status, again.text).toBe(200);
    expect(again.body.version).toBe(3);
    await tap.waitFor(() => tap.eventsFor(id).some((e) => e.envelope.entity.version === 3));

    // A changed field: only it is translated again (v4 by the user, v5 by localization). It is
    // also the barrier for the identical update: the same consumer handles this later event,
    // so once its translation is in, v3's event has been handled too, and it wrote nothing.
    const changed = await api<{ version: number }>('PATCH', `/api/content/${id}`, {
      body: { metadata: { service_specific: { localization: { scripts: { title: 'Goodbye' } } } } },
    });
    expect(changed.status, changed.text).toBe(200);
    expect(changed.body.version).toBe(4);
    const v5 = await eventually(
      async () => {
        const r = await entityRow('content', id);
        return locOf(r)?.scripts_translations?.fr?.title === '[fr] Goodbye' ? r : undefined;
      },
      30_000,
      'the changed title translated',
    );
    expect(v5.version).toBe(5);
    expect(locOf(v5)?.scripts_translations?.de).toEqual({
      title: '[de] Goodbye',
      'cta.button': '[de] Sign up',
    });
    await tap.waitFor(() => translated().length >= 2);
    expect(translated()[1]?.envelope.payload).toMatchObject({ fields: ['title'], pairs: 2 });
    // v3 (the identical scripts) caused no translation: only v2 and v5 are localization's.
    expect(translated().map((e) => e.envelope.entity.version)).toEqual([2, 5]);
    await tap.waitFor(() => tap.eventsFor(id).filter((e) => e.detailType === 'content.updated').length >= 4);
    expect(
      tap
        .eventsFor(id)
        .filter((e) => e.detailType === 'content.updated')
        .map((e) => e.envelope.entity.version),
    ).toEqual([2, 3, 4, 5]);
  });

  it('provider failure: the entity stays as it was, the event goes to the DLQ, a later retry completes it', async () => {
    const lambda = new LambdaClient(aws());
    const sqs = new SQSClient(aws());
    const fn = output('LocalizationFunctionName');
    const dlq = output('LocalizationEventsDlqUrl');
    // The function's DeadLetterConfig is the one its CDK declaration names: the post-deploy step
    // of localstack/ applies it on the emulator (localstack/dead-letters.ts).
    // The offline provider's test hook: this locale fails until `until` (an outage that ends).
    const until = Math.floor(Date.now() / 1000) + 25;
    const locale = `x-fail-until-${until}`;
    const c = await api<{ id: string }>('POST', '/api/content', {
      body: {
        title: 'Outage',
        kind: 'article',
        metadata: {
          service_specific: { localization: { scripts: { title: 'Outage' }, locales: ['fr', locale] } },
        },
      },
    });
    expect(c.status, c.text).toBe(201);
    const id = c.body.id;
    // EventBridge invokes the consumer asynchronously (on AWS, and on the emulator through
    // localstack/ministack_aws.py): Lambda retries the failing event, then dead-letters it.
    // The retries fail too; the event lands in the localization service's DLQ.
    const message = await eventually(
      async () => {
        const r = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: dlq,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 1,
            VisibilityTimeout: 5,
            MessageAttributeNames: ['All'],
          }),
        );
        return (r.Messages ?? []).find((m) => eventOf(m.Body).detail?.entity?.id === id);
      },
      40_000,
      'the failed event in the DLQ',
    );
    // Nothing was written meanwhile.
    const before = await entityRow('content', id);
    expect(before?.version).toBe(1);
    expect(locOf(before)?.scripts_translations).toBeUndefined();
    expect(tap.eventsFor(id).filter((e) => e.detailType === 'localization.translated')).toEqual([]);

    // Later, the outage over: redrive the dead-lettered event into the function.
    await sleep(Math.max(0, until * 1000 - Date.now() + 500));
    const retried = await lambda.send(
      new InvokeCommand({
        FunctionName: fn,
        Payload: new TextEncoder().encode(JSON.stringify(eventOf(message.Body))),
      }),
    );
    expect(retried.FunctionError, new TextDecoder().decode(retried.Payload)).toBeUndefined();
    await sqs.send(new DeleteMessageCommand({ QueueUrl: dlq, ReceiptHandle: message.ReceiptHandle }));
    const after = await entityRow('content', id);
    expect(after?.version).toBe(2);
    expect(locOf(after)?.scripts_translations).toEqual({
      fr: { title: '[fr] Outage' },
      [locale]: { title: `[${locale}] Outage` },
    });
  });
});
