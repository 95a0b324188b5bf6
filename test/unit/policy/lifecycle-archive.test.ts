/** Archive after end: the grace comes from the campaign's own `archive_after`, else the registry. */
import { describe, expect, it } from 'vitest';
import type { Metadata } from '../../../lib/entity-metadata/index.ts';
import { parseMetadata } from '../../../lib/entity-metadata/index.ts';
import { archiveIntent } from '../../../lib/policy/lifecycle.ts';
import { getService } from '../../../lib/registry/index.ts';

const campaign = getService('campaign');
const now = new Date('2027-01-01T00:00:00.000Z');
const END = '2027-01-01T00:00:10.000Z';
const entity = (metadata: Metadata) => ({ id: 'c1', metadata });
const withGrace = (grace?: string, end = END): Metadata =>
  parseMetadata(
    {
      scheduling: { end_time: end },
      ...(grace ? { service_specific: { campaign: { archive_after: grace } } } : {}),
    },
    { mode: 'strict' },
  );

describe('archiveIntent', () => {
  it("uses the campaign's archive_after when it has one", () => {
    expect(archiveIntent(campaign, undefined, entity(withGrace('PT20S')), now)?.run_at).toBe(
      '2027-01-01T00:00:30.000Z',
    );
  });

  it("falls back to the registry's archiveAfterEnd (P30D)", () => {
    expect(archiveIntent(campaign, undefined, entity(withGrace()), now)?.run_at).toBe(
      '2027-01-31T00:00:10.000Z',
    );
  });

  it('plans again when only the grace moves, and not for an unrelated write', () => {
    const before = entity(withGrace('PT20S'));
    expect(archiveIntent(campaign, before, entity(withGrace('PT20S')), now)).toBeUndefined();
    expect(archiveIntent(campaign, before, entity(withGrace('PT40S')), now)?.run_at).toBe(
      '2027-01-01T00:00:50.000Z',
    );
  });

  it('refuses a grace that is not an ISO 8601 duration, naming the field', () => {
    expect(() =>
      parseMetadata({ service_specific: { campaign: { archive_after: '20 seconds' } } }, { mode: 'strict' }),
    ).toThrow(/archive_after/);
  });
});
