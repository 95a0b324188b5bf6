import { SEED_POLICIES } from './matrix.ts';
import type { PolicyStore } from './store.ts';

/** Write the contract's seed rows unless present (a runtime change survives redeploys). */
export async function seedPolicies(store: PolicyStore): Promise<number> {
  const at = new Date().toISOString();
  const results = await Promise.all(
    SEED_POLICIES.map((row) => store.putIfAbsent({ ...row, updated_at: at, updated_by: 'seed' })),
  );
  return results.filter(Boolean).length;
}
