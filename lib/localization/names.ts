/** The translation providers configuration may name (`TRANSLATION_PROVIDER`, CDK context `translationProvider`). */
export type ProviderName = 'aws' | 'offline';
export const PROVIDER_NAMES: readonly ProviderName[] = ['aws', 'offline'];
