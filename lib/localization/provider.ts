/**
 * Translation providers: one interface, two implementations, chosen by configuration
 * (`TRANSLATION_PROVIDER`, set by infra from the CDK context `translationProvider`):
 *
 * - `aws` (the default on AWS): Amazon Translate, `TranslateText` per text.
 * - `offline` (the emulator, tests): deterministic, no network: `[<locale>] <text>`.
 *   A provider outage is shown from outside, by configuration: the integration test points
 *   the function at `aws` with an unreachable `AWS_ENDPOINT_URL_TRANSLATE`.
 *
 * A provider either translates every text it is given or throws {@link TranslationProviderError}:
 * the localization service then writes nothing and lets the event be retried.
 */
import { type TranslateClient, TranslateTextCommand } from '@aws-sdk/client-translate';
import { translateClient } from '../aws/clients.ts';
import { PROVIDER_NAMES, type ProviderName } from './contract.ts';

export { PROVIDER_NAMES, type ProviderName };

export interface TranslationProvider {
  readonly name: ProviderName;
  /** `texts` translated from `source` to `target`, in the same order. */
  translate(texts: readonly string[], source: string, target: string): Promise<string[]>;
}

/** The provider could not translate (outage, throttling, unsupported language): retry later. */
export class TranslationProviderError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TranslationProviderError';
  }
}

/** Largest text sent to a provider (Amazon Translate's synchronous limit is 10,000 bytes). */
export const MAX_TEXT_BYTES = 10_000;

/** Deterministic, offline: `[fr] Hello`. */
export class OfflineProvider implements TranslationProvider {
  readonly name = 'offline' as const;

  async translate(texts: readonly string[], _source: string, target: string): Promise<string[]> {
    return texts.map((t) => `[${target}] ${t}`);
  }
}

/** Amazon Translate; `client` is injectable for tests. */
export class AmazonTranslateProvider implements TranslationProvider {
  readonly name = 'aws' as const;
  private client: TranslateClient | undefined;

  constructor(
    client?: TranslateClient,
    private readonly concurrency = 4,
  ) {
    this.client = client;
  }

  async translate(texts: readonly string[], source: string, target: string): Promise<string[]> {
    this.client ??= translateClient();
    const client = this.client;
    const out: string[] = new Array(texts.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < texts.length) {
        const i = next++;
        const text = texts[i] ?? '';
        if (Buffer.byteLength(text, 'utf8') > MAX_TEXT_BYTES) {
          throw new TranslationProviderError(`text ${i} exceeds ${MAX_TEXT_BYTES} bytes`);
        }
        try {
          const r = await client.send(
            new TranslateTextCommand({
              Text: text,
              SourceLanguageCode: source,
              TargetLanguageCode: target,
            }),
          );
          out[i] = r.TranslatedText ?? '';
        } catch (e) {
          throw new TranslationProviderError(
            `Amazon Translate ${source}→${target} failed: ${(e as Error).name}: ${(e as Error).message}`,
            { cause: e },
          );
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, texts.length) }, worker));
    return out;
  }
}

/** The provider named by configuration (`aws` when unset). */
export function providerFromConfig(name: string | undefined): TranslationProvider {
  const n = (name ?? 'aws') as ProviderName;
  if (n === 'offline') return new OfflineProvider();
  if (n === 'aws') return new AmazonTranslateProvider();
  throw new Error(`TRANSLATION_PROVIDER must be one of ${PROVIDER_NAMES.join(', ')}, got "${name}"`);
}
