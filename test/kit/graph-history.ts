/**
 * An in-memory {@link GraphHistory} for unit tests of the knowledge graph's history and routes
 * (lib/amadeus/store.ts holds the DynamoDB one): keeps every version, or the newest `keep`.
 */
import {
  type GraphHistory,
  historyLimit,
  nextVersionRecord,
  type VersionRecord,
} from '../../lib/amadeus/history.ts';
import type { KnowledgeGraph } from '../../lib/amadeus/types.ts';

export class InMemoryGraphHistory implements GraphHistory {
  private readonly records: VersionRecord[] = [];
  private readonly now: () => Date;
  private readonly keep: number;

  constructor(opts: { now?: () => Date; keep?: number } = {}) {
    this.now = opts.now ?? (() => new Date());
    this.keep = opts.keep ?? Number.POSITIVE_INFINITY;
  }

  async latest(): Promise<VersionRecord | undefined> {
    return this.records.at(-1);
  }

  async append(graph: KnowledgeGraph): Promise<{ record: VersionRecord; created: boolean }> {
    const latest = this.records.at(-1);
    const record = nextVersionRecord(latest, graph, this.now());
    if (!record) return { record: latest!, created: false };
    this.records.push(record);
    if (this.records.length > this.keep) this.records.splice(0, this.records.length - this.keep);
    return { record, created: true };
  }

  async list(limit?: number): Promise<VersionRecord[]> {
    return this.records.slice(-historyLimit(limit)).reverse();
  }
}
