/**
 * The platform services (not entity collections: Lambdas every domain service relies on), each
 * declared in its contract (lib/<service>/contract.ts), listed here in order.
 */
import { amadeus } from '../amadeus/contract.ts';
import { broadcast } from '../broadcast/contract.ts';
import { converse } from '../converse/contract.ts';
import { nexus } from '../nexus/contract.ts';
import { records } from '../records/contract.ts';
import { scheduler } from '../scheduler/contract.ts';
import type { PlatformServiceDefinition } from './types.ts';

export type { PlatformServiceDefinition };
export { amadeus, broadcast, converse, nexus, records, scheduler };

export const platform: readonly PlatformServiceDefinition[] = [
  nexus,
  scheduler,
  records,
  broadcast,
  amadeus,
  converse,
];
