/**
 * The records service's public entry for infra and bin (re-exports only): its contract (routes,
 * table design, record shapes) and the pure summary of a bulk or import report. The Lambda is
 * lambda.ts. See docs/records.md.
 */
export { summarize } from './bulk.ts';
export * from './contract.ts';
