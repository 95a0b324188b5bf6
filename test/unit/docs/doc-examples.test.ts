import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bashBlocks, docExamples, portabilityProblems, scriptOf } from '../../docs/examples.ts';

const root = fileURLToPath(new URL('../../..', import.meta.url));

describe('doc examples', () => {
  it('takes ```bash blocks only, in order, with their line numbers', () => {
    const md = [
      '# t',
      '```bash',
      'echo one',
      '```',
      '```sh',
      'npm run local',
      '```',
      '````bash',
      'echo ```',
      'echo two',
      '````',
    ].join('\n');
    expect(bashBlocks(md)).toEqual([
      { line: 2, code: 'echo one' },
      { line: 8, code: 'echo ```\necho two' },
    ]);
  });

  it('flags jq, GNU date -d and curl without --fail-with-body', () => {
    const doc = {
      file: 'x.md',
      blocks: [
        {
          line: 1,
          code: 'curl -s "$API/api/health" | jq .\ndate -u -d "+1 min"\ncurl --fail-with-body "$API/x"',
        },
      ],
    };
    expect(portabilityProblems(doc)).toEqual([
      'x.md:2: uses jq (only curl and node may be assumed)',
      'x.md:2: curl without --fail-with-body (HTTP errors must fail the example)',
      'x.md:3: GNU date -d',
    ]);
  });

  it('runs each file as one strict script, naming every block', () => {
    const script = scriptOf({ file: 'a.md', blocks: [{ line: 3, code: 'echo hi' }] });
    expect(script).toBe('set -euo pipefail\necho "--- a.md:3" >&2\necho hi\n');
  });

  it('every example of README.md and docs/ needs only curl and node, and fails on HTTP errors', () => {
    expect(docExamples(root).flatMap(portabilityProblems)).toEqual([]);
  });
});
