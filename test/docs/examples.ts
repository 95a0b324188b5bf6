/**
 * The shell examples of README.md and docs/*.md, as a reader meets them: every ```bash block
 * runs, top to bottom per file, after `npm run local` with `API` and `TOKEN` exported.
 * Set-up, tear-down and real-AWS commands are written as ```sh blocks: shown, never run.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export interface ShellBlock {
  /** 1-based line of the opening fence. */
  line: number;
  code: string;
}

export interface DocExamples {
  /** Path relative to the repository root. */
  file: string;
  blocks: ShellBlock[];
}

/** The ```bash blocks of one Markdown text, in order. */
export function bashBlocks(markdown: string): ShellBlock[] {
  const blocks: ShellBlock[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,})bash\s*$/.exec(lines[i]!);
    if (!open) continue;
    const fence = open[2]!;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !lines[j]!.trimStart().startsWith(fence); j++) body.push(lines[j]!);
    blocks.push({ line: i + 1, code: body.join('\n') });
    i = j;
  }
  return blocks;
}

/** README.md and every docs/*.md that has at least one ```bash block. */
export function docExamples(root: string): DocExamples[] {
  const files = [join(root, 'README.md')];
  for (const f of readdirSync(join(root, 'docs')).sort())
    if (f.endsWith('.md')) files.push(join(root, 'docs', f));
  return files
    .map((f) => ({ file: relative(root, f), blocks: bashBlocks(readFileSync(f, 'utf8')) }))
    .filter((d) => d.blocks.length > 0);
}

/**
 * What a reader may not assume: tools beyond curl and node, GNU-only flags, and curl calls
 * that would ignore an HTTP error. Returns one message per problem.
 */
export function portabilityProblems(doc: DocExamples): string[] {
  const problems: string[] = [];
  for (const b of doc.blocks) {
    b.code.split('\n').forEach((text, k) => {
      const where = `${doc.file}:${b.line + 1 + k}`;
      if (/(^|[\s|;(`$])jq(\s|$)/.test(text))
        problems.push(`${where}: uses jq (only curl and node may be assumed)`);
      if (/\bdate\b[^|;]*\s(-d|--date)\b/.test(text)) problems.push(`${where}: GNU date -d`);
      if (/\bsed\s+-i\b/.test(text)) problems.push(`${where}: sed -i differs between GNU and BSD`);
      if (/(^|[\s|;(`$])curl\s/.test(text) && !/--fail-with-body/.test(text))
        problems.push(`${where}: curl without --fail-with-body (HTTP errors must fail the example)`);
    });
  }
  return problems;
}

/**
 * One bash script for a file: strict mode, then each block in order, each announced on stderr
 * so that a failure names the block it came from.
 */
export function scriptOf(doc: DocExamples): string {
  const parts = ['set -euo pipefail'];
  for (const b of doc.blocks) parts.push(`echo "--- ${doc.file}:${b.line}" >&2`, b.code);
  return `${parts.join('\n')}\n`;
}
