/**
 * package.json `sideEffects` tells esbuild that lib/ modules only declare things, so a module
 * whose exports a Lambda never uses is left out of its bundle (e.g. the records service's route
 * schemas in every other function). That holds only while lib/ modules run nothing at import
 * time: every top-level statement that is not a declaration must be in a file listed there.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const listed = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { sideEffects: string[] })
  .sideEffects;

function libFiles(dir = join(ROOT, 'lib')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((f) =>
    f.isDirectory() ? libFiles(join(dir, f.name)) : f.name.endsWith('.ts') ? [join(dir, f.name)] : [],
  );
}

/** Top-level statements that run something at import time (not declarations, imports or exports). */
function sideEffectsOf(file: string): string[] {
  const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  return sf.statements
    .filter(
      (s) =>
        ts.isExpressionStatement(s) ||
        (ts.isImportDeclaration(s) && s.importClause === undefined) ||
        ts.isIfStatement(s) ||
        ts.isForStatement(s) ||
        ts.isForOfStatement(s),
    )
    .map((s) => s.getText(sf).slice(0, 60));
}

describe('package.json sideEffects', () => {
  // Parses every lib/ file with the TypeScript compiler: seconds on a loaded machine, so not the 5 s default.
  it('lists everything outside lib/ and, in lib/, exactly the modules that run something on import', {
    timeout: 60_000,
  }, () => {
    for (const dir of ['bench', 'bin', 'console', 'functions', 'infra', 'localstack', 'test'])
      expect(listed).toContain(`./${dir}/**`);
    const inLib = listed.filter((p) => p.startsWith('./lib/'));
    const running = libFiles()
      .filter((f) => sideEffectsOf(f).some((s) => !s.startsWith('import ')))
      .map((f) => `./${relative(ROOT, f)}`);
    expect(running.sort()).toEqual([...inLib].sort());
    expect(inLib).toContain('./lib/config/zod.ts');
  });

  it('every module lib/ imports only for its effect is listed', () => {
    for (const f of libFiles())
      for (const s of sideEffectsOf(f).filter((x) => x.startsWith('import '))) {
        const target = resolve(join(f, '..'), s.replace(/^import ['"](.*)['"];?$/, '$1'));
        expect(listed, `${relative(ROOT, f)}: ${s}`).toContain(`./${relative(ROOT, target)}`);
      }
  });
});
