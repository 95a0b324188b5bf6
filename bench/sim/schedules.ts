/**
 * In-memory EventBridge Scheduler for the scheduler simulation: the one-time schedules alive
 * (created, not yet deleted or fired), every API call counted, the peak of schedules alive, and
 * the schedules due at a time (firing deletes them, as ActionAfterCompletion DELETE does).
 */

import type { Schedules } from '../../lib/scheduler/schedules.ts';
import { BTree } from './btree.ts';

const SEP = '\u0001';

export class MemorySchedules implements Schedules {
  readonly live = new Map<string, { at: string; input: Record<string, unknown> }>();
  /** Due order: `<at>\u0001<name>`. */
  private readonly due = new BTree<string, string>();
  calls = 0;
  peak = 0;

  async upsert(name: string, runAt: Date, input: Record<string, unknown>): Promise<void> {
    this.calls++;
    const old = this.live.get(name);
    if (old) this.due.delete(`${old.at}${SEP}${name}`);
    const at = runAt.toISOString();
    this.live.set(name, { at, input });
    this.due.set(`${at}${SEP}${name}`, name);
    this.peak = Math.max(this.peak, this.live.size);
  }

  async remove(name: string): Promise<void> {
    this.calls++;
    const s = this.live.get(name);
    if (!s) return;
    this.live.delete(name);
    this.due.delete(`${s.at}${SEP}${name}`);
  }

  /** When the next schedule is due (ISO), if any. */
  nextDue(): string | undefined {
    const k = this.due.minKey();
    return k === undefined ? undefined : k.slice(0, k.indexOf(SEP));
  }

  /** The next schedule due, taken (it fires once, then it is gone). */
  takeNext(): Record<string, unknown> | undefined {
    const k = this.due.minKey();
    if (k === undefined) return undefined;
    const name = this.due.get(k) as string;
    this.due.delete(k);
    const s = this.live.get(name);
    this.live.delete(name);
    return s?.input;
  }
}
