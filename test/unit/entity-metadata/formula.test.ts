import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  evaluateFormula,
  FORMULA_MAX_DEPTH,
  FORMULA_MAX_LENGTH,
  FormulaError,
  type FormulaNode,
  formulaProblem,
  type Participant,
  parseFormula,
} from '../../../lib/entity-metadata/formula.ts';
import { parseMetadata } from '../../../lib/entity-metadata/index.ts';

const ada: Participant = { score: 10, scores: { referrals: 3 }, joined_at: 1_700_000_000 };
const value = (src: string, p: Participant = ada): number => evaluateFormula(parseFormula(src), p);

function problem(src: string): { message: string; token: string; position: number } {
  const e = formulaProblem(src);
  if (!e) throw new Error(`expected ${JSON.stringify(src)} to be refused`);
  return { message: e.message, token: e.token, position: e.position };
}

describe('ranking formula: evaluation', () => {
  it.each([
    ['score', 10],
    ['score * 2 + scores.referrals', 23],
    ['score - 2 * 3', 4],
    ['(score - 2) * 3', 24],
    ['-score ^ 2', -100],
    ['2 ^ 3 ^ 2', 512],
    ['score % 4', 2],
    ['scores.missing + 1', 1],
    ['min(score, 3, 7)', 3],
    ['max(score, scores.referrals * 5)', 15],
    ['log(1)', 0],
    ['score > 5 ? 1 : 0', 1],
    ['score >= 11 ? 1 : score <= 10 ? 2 : 3', 2],
    ['score == 10 && scores.referrals != 3', 0],
    ['score == 10 || 0', 1],
    ['!score', 0],
    ['!!scores.referrals', 1],
    ['joined_at / 1e9', 1.7],
    ['.5 + 1.5e1', 15.5],
    ['  score\t*\n2 ', 20],
  ])('%s = %s', (src, expected) => {
    expect(value(src)).toBeCloseTo(expected, 10);
  });

  it('a missing joined_at or scores map reads as 0', () => {
    expect(value('joined_at + scores.referrals', { score: 1 })).toBe(0);
  });

  it('a division by a value that is zero is allowed and non-finite (ranked last by the leaderboard)', () => {
    expect(value('score / scores.missing')).toBe(Number.POSITIVE_INFINITY);
    expect(value('log(scores.missing)')).toBe(Number.NEGATIVE_INFINITY);
  });
});

describe('ranking formula: refusals name the token and its position', () => {
  it.each([
    ['score * * 2', '*', 8, /Unexpected "\*"/],
    ['foo + 1', 'foo', 0, /Unknown name "foo"/],
    ['score + scores', 'scores', 8, /Unknown name "scores"/],
    ['score + scores.', 'scores.', 8, /Unknown name/],
    ['scores.a-b.c', 'b.c', 9, /Unknown name "b.c"/],
    ['constructor', 'constructor', 0, /Unknown name/],
    ['score.constructor', 'score.constructor', 0, /Unknown name/],
    ['sqrt(score)', 'sqrt', 0, /Unknown function "sqrt"/],
    ['log(score, 2)', 'log', 0, /"log" takes one argument/],
    ['score / 0', '/', 6, /Division by a literal zero/],
    ['score % (0)', '%', 6, /Division by a literal zero/],
    ['score / -0.0', '/', 6, /Division by a literal zero/],
    ['score +', '', 7, /Expected a value, found the end/],
    ['(score', '', 6, /Expected "\)"/],
    ['score ? 1', '', 9, /Expected ":"/],
    ['score 2', '2', 6, /Unexpected "2"/],
    ['score $ 2', '$', 6, /Unexpected character "\$"/],
    ['', '', 0, /Expected a value/],
  ])('%j → %j at %i', (src, token, position, message) => {
    const p = problem(src);
    expect(p).toMatchObject({ token, position });
    expect(p.message).toMatch(message);
    expect(p.message).toContain(`at position ${position}`);
  });

  it(`allows ${FORMULA_MAX_LENGTH} characters and refuses one more`, () => {
    const longest = `score${' +1'.repeat((FORMULA_MAX_LENGTH - 5) / 3)}`.padEnd(FORMULA_MAX_LENGTH, ' ');
    expect(longest).toHaveLength(FORMULA_MAX_LENGTH);
    expect(formulaProblem(longest)).toBeUndefined();
    expect(problem(`${longest}1`)).toMatchObject({ position: FORMULA_MAX_LENGTH });
  });

  it(`allows nesting ${FORMULA_MAX_DEPTH} deep and refuses ${FORMULA_MAX_DEPTH + 1}`, () => {
    const nested = (n: number) => `${'('.repeat(n)}score${')'.repeat(n)}`;
    expect(value(nested(FORMULA_MAX_DEPTH))).toBe(10);
    expect(problem(nested(FORMULA_MAX_DEPTH + 1))).toMatchObject({ token: '(', position: FORMULA_MAX_DEPTH });
    const calls = (n: number) => `${'max('.repeat(n)}score${')'.repeat(n)}`;
    expect(formulaProblem(calls(FORMULA_MAX_DEPTH))).toBeUndefined();
    expect(problem(calls(FORMULA_MAX_DEPTH + 1)).message).toMatch(/Nesting deeper than 32/);
  });

  it('the metadata layer refuses a bad formula with a 400 naming the field, the token and its position', () => {
    const write = (formula: string) => () =>
      parseMetadata({ service_specific: { campaign: { ranking: { formula } } } }, { mode: 'strict' });
    expect(write('score * 2 + scores.referrals')).not.toThrow();
    for (const [formula, text] of [
      ['score + bogus', 'Unknown name "bogus" at position 8'],
      ['score / 0', 'Division by a literal zero ("/") at position 6'],
      ['x'.repeat(FORMULA_MAX_LENGTH + 1), `at most ${FORMULA_MAX_LENGTH} characters`],
      [`${'('.repeat(33)}1${')'.repeat(33)}`, 'Nesting deeper than 32'],
    ] as const) {
      let caught: unknown;
      try {
        write(formula)();
      } catch (e) {
        caught = e;
      }
      expect(caught).toMatchObject({
        status: 400,
        details: {
          issues: [
            {
              path: 'metadata.service_specific.campaign.ranking.formula',
              message: expect.stringContaining(text),
            },
          ],
        },
      });
    }
  });
});

// --- Properties --------------------------------------------------------------------------------

/** Every node of a parsed tree is of the closed set the evaluator knows. */
function closed(n: FormulaNode): boolean {
  switch (n.t) {
    case 'n':
      return typeof n.v === 'number';
    case 'v':
      return n.name === 'score' || n.name === 'joined_at' || /^scores\.[A-Za-z_]\w{0,63}$/.test(n.name);
    case 'u':
      return ['-', '+', '!'].includes(n.op) && closed(n.a);
    case 'b':
      return closed(n.a) && closed(n.b);
    case '?':
      return closed(n.c) && closed(n.a) && closed(n.b);
    case 'f':
      return ['min', 'max', 'log'].includes(n.fn) && n.args.every(closed);
  }
}

const VOCABULARY = [
  'score',
  'joined_at',
  'scores.referrals',
  'scores.__proto__',
  'scores.constructor',
  'min',
  'max',
  'log',
  'eval',
  'Function',
  'constructor',
  'prototype',
  '__proto__',
  'this',
  'globalThis',
  'process',
  'require',
  'import',
  'new',
  'score.constructor',
  'x=>x',
  `\`\${1}\``,
  '"a"',
  "'a'",
  '[',
  ']',
  '{',
  '}',
  ';',
  '=',
  '.',
  '0',
  '1',
  '2.5',
  '1e308',
  '+',
  '-',
  '*',
  '/',
  '%',
  '^',
  '<',
  '<=',
  '>',
  '>=',
  '==',
  '!=',
  '&&',
  '||',
  '!',
  '?',
  ':',
  ',',
  '(',
  ')',
];
const soup = fc.array(fc.constantFrom(...VOCABULARY), { maxLength: 40 }).map((t) => t.join(' '));
const participant = fc.record({
  score: fc.double(),
  scores: fc.dictionary(fc.constantFrom('referrals', 'likes', '__proto__', 'constructor'), fc.double()),
  joined_at: fc.double(),
});

describe('ranking formula: no input reaches JavaScript evaluation (fast-check)', () => {
  const calls: string[] = [];
  const realEval = Reflect.get(globalThis, 'eval');
  const RealFunction = globalThis.Function;
  beforeEach(() => {
    calls.length = 0;
    Reflect.set(globalThis, 'eval', (s: string) => {
      calls.push(`eval ${s}`);
      return undefined;
    });
    globalThis.Function = new Proxy(RealFunction, {
      apply: () => {
        calls.push('Function()');
        return () => undefined;
      },
      construct: () => {
        calls.push('new Function()');
        return () => undefined;
      },
    });
  });
  afterEach(() => {
    Reflect.set(globalThis, 'eval', realEval);
    globalThis.Function = RealFunction;
  });

  const check = (src: string, p: Participant): void => {
    let tree: FormulaNode;
    try {
      tree = parseFormula(src);
    } catch (e) {
      expect(e).toBeInstanceOf(FormulaError);
      const { token, position } = e as FormulaError;
      expect(position).toBeGreaterThanOrEqual(0);
      expect(position).toBeLessThanOrEqual(src.length);
      expect(src.slice(position, position + token.length)).toBe(token);
      return;
    }
    expect(closed(tree)).toBe(true);
    expect(typeof evaluateFormula(tree, p)).toBe('number');
  };

  it('arbitrary text parses to the closed tree or is refused at a real token', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), participant, (s, p) => check(s, p)),
      {
        numRuns: 2000,
      },
    );
    expect(calls).toEqual([]);
  });

  it('token soups with JavaScript words, quotes, brackets and assignment never evaluate', () => {
    fc.assert(
      fc.property(soup, participant, (s, p) => check(s, p)),
      { numRuns: 3000 },
    );
    expect(calls).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
  });

  it('counters named like Object internals read the participant’s own counters only', () => {
    const p = { score: 1, scores: JSON.parse('{"__proto__": 7}') as Record<string, number> };
    expect(value('scores.__proto__ + scores.constructor + scores.toString', p)).toBe(7);
    expect(value('scores.constructor', { score: 1 })).toBe(0);
  });

  it('the module holds no eval, Function or computed property access by formula text', () => {
    const source = readFileSync(new URL('../../../lib/entity-metadata/formula.ts', import.meta.url), 'utf8');
    const code = source.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
    expect(code).not.toMatch(
      /\beval\s*\(|\bFunction\s*\(|new\s+Function|globalThis|require\s*\(|import\s*\(/,
    );
  });
});

/** A random valid formula, printed fully parenthesized, with its expected value. */
const leaf = fc.oneof(
  fc.integer({ min: 0, max: 1000 }).map((v) => ({ text: String(v), value: () => v })),
  fc.constant({ text: 'score', value: (p: Participant) => p.score }),
  fc.constant({ text: 'scores.likes', value: (p: Participant) => p.scores?.likes ?? 0 }),
);
type Gen = { text: string; value: (p: Participant) => number };
const formulas = fc.letrec<{ f: Gen }>((tie) => ({
  f: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc
      .tuple(tie('f'), fc.constantFrom('+', '-', '*', '<', '>=', '==', '&&', '||'), tie('f'))
      .map(([a, op, b]) => ({
        text: `(${a.text} ${op} ${b.text})`,
        value: (p: Participant) => {
          const [x, y] = [a.value(p), b.value(p)];
          const t = (v: number) => (v !== 0 && !Number.isNaN(v) ? 1 : 0);
          if (op === '+') return x + y;
          if (op === '-') return x - y;
          if (op === '*') return x * y;
          if (op === '<') return +(x < y);
          if (op === '>=') return +(x >= y);
          if (op === '==') return +(x === y);
          if (op === '&&') return t(x) && t(y);
          return t(x) || t(y);
        },
      })),
    fc.tuple(tie('f'), tie('f'), tie('f')).map(([c, a, b]) => ({
      text: `(${c.text} ? ${a.text} : ${b.text})`,
      value: (p: Participant) => (c.value(p) !== 0 ? a.value(p) : b.value(p)),
    })),
    fc.tuple(tie('f'), tie('f')).map(([a, b]) => ({
      text: `max(${a.text}, ${b.text})`,
      value: (p: Participant) => Math.max(a.value(p), b.value(p)),
    })),
  ),
})).f;

describe('ranking formula: every valid formula evaluates as written (fast-check)', () => {
  it('matches a reference evaluation of the same tree', () => {
    fc.assert(
      fc.property(
        formulas.filter((g) => g.text.length <= FORMULA_MAX_LENGTH),
        fc.record({
          score: fc.integer({ min: -1000, max: 1000 }),
          scores: fc.record({ likes: fc.integer() }),
        }),
        (g, p) => {
          expect(value(g.text, p)).toBe(g.value(p));
        },
      ),
      { numRuns: 500 },
    );
  });
});
