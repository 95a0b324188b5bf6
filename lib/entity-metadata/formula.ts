/**
 * Ranking formulas (`service_specific.campaign.ranking.formula`, docs/broadcast.md "Ranking"):
 * a small, closed expression language over a participant's fields, parsed by a Pratt parser
 * into a tree and evaluated by walking it. Nothing here reaches JavaScript evaluation (no
 * `eval`, no `Function`, no property lookup by a name the text chose): a name is one of
 * `score`, `joined_at`, `scores.<counter>`, a function one of `min`, `max`, `log`, and anything
 * else is refused with the token and its position.
 *
 * Hand-rolled on purpose: the maintained expression libraries measured 7.6–27 KB minified
 * (jsep 1.6.0 10.8 KB, subscript 10.8.0 8.5 KB, @casbin/expression-eval 5.3.0 7.6 KB,
 * jexl 2.3.0 20.5 KB, expr-eval-fork 3.0.3 27.3 KB), and this module is bundled by every
 * function that validates metadata, the scheduler and broadcast among them, which had 0.9 and
 * 1.7 KB left under the 400 KB cap. filtrex compiles to `new Function`, so it was not a
 * candidate.
 *
 * Grammar, loosest first (all binary operators left-associative but `^`):
 *   expr    := or ('?' expr ':' expr)?
 *   or      := and ('||' and)*          and := eq ('&&' eq)*
 *   eq      := cmp (('=='|'!=') cmp)*   cmp := add (('<'|'<='|'>'|'>=') add)*
 *   add     := mul (('+'|'-') mul)*     mul := unary (('*'|'/'|'%') unary)*
 *   unary   := ('-'|'+'|'!') unary | pow
 *   pow     := primary ('^' unary)?
 *   primary := number | name | fn '(' expr (',' expr)* ')' | '(' expr ')'
 * Comparisons and `!`, `&&`, `||` give 1 or 0; a condition is true when it is not 0.
 */

/** Longest formula, in characters. */
export const FORMULA_MAX_LENGTH = 256;
/** Deepest nesting of parentheses, calls and conditionals. */
export const FORMULA_MAX_DEPTH = 32;
/** The functions a formula may call. */
export const FORMULA_FUNCTIONS = ['min', 'max', 'log'] as const;
/** A named counter: `scores.<name>`. */
export const COUNTER_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** What a formula reads of one participant. */
export interface Participant {
  score: number;
  /** Named counters posted with scores; a missing one is 0. */
  scores?: Readonly<Record<string, number>>;
  /** When the participant first scored, epoch seconds. */
  joined_at?: number;
}

export type FormulaNode =
  | { t: 'n'; v: number }
  | { t: 'v'; name: string }
  | { t: 'u'; op: string; a: FormulaNode }
  | { t: 'b'; op: string; a: FormulaNode; b: FormulaNode }
  | { t: '?'; c: FormulaNode; a: FormulaNode; b: FormulaNode }
  | { t: 'f'; fn: (typeof FORMULA_FUNCTIONS)[number]; args: FormulaNode[] };

/** A formula the grammar refuses: the offending token and its 0-based position. */
export class FormulaError extends Error {
  constructor(
    reason: string,
    readonly token: string,
    readonly position: number,
    hint?: string,
  ) {
    super(`${reason} at position ${position}${hint ? ` (${hint})` : ''}`);
    this.name = 'FormulaError';
  }
}

interface Token {
  s: string;
  at: number;
  /** number, name, operator or end */
  k: 'num' | 'name' | 'op' | 'end';
}

const TOKEN_RE =
  /\s*(?:(\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|([A-Za-z_][\w.]*)|(<=|>=|==|!=|&&|\|\||[-+*/%^()<>!?:,]))/y;

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  TOKEN_RE.lastIndex = 0;
  let at = 0;
  while (at < src.length) {
    if (/^\s*$/.test(src.slice(at))) break;
    TOKEN_RE.lastIndex = at;
    const m = TOKEN_RE.exec(src);
    if (!m) {
      const start = at + (src.slice(at).length - src.slice(at).trimStart().length);
      throw new FormulaError(`Unexpected character ${JSON.stringify(src[start])}`, src[start] ?? '', start);
    }
    const s = m[1] ?? m[2] ?? m[3] ?? '';
    out.push({ s, at: TOKEN_RE.lastIndex - s.length, k: m[1] ? 'num' : m[2] ? 'name' : 'op' });
    at = TOKEN_RE.lastIndex;
  }
  out.push({ s: '', at: src.length, k: 'end' });
  return out;
}

/** Binding power of each binary operator (higher binds tighter). */
const BINARY: Record<string, number> = {
  '||': 1,
  '&&': 2,
  '==': 3,
  '!=': 3,
  '<': 4,
  '<=': 4,
  '>': 4,
  '>=': 4,
  '+': 5,
  '-': 5,
  '*': 6,
  '/': 6,
  '%': 6,
};

const isZero = (n: FormulaNode): boolean =>
  (n.t === 'n' && n.v === 0) || (n.t === 'u' && (n.op === '-' || n.op === '+') && isZero(n.a));

/**
 * Parse a formula into its tree.
 * @throws FormulaError naming the first bad token and its position.
 */
export function parseFormula(src: string): FormulaNode {
  if (src.length > FORMULA_MAX_LENGTH)
    throw new FormulaError(
      `Longer than ${FORMULA_MAX_LENGTH} characters`,
      src.slice(FORMULA_MAX_LENGTH, FORMULA_MAX_LENGTH + 8),
      FORMULA_MAX_LENGTH,
    );
  const tokens = tokenize(src);
  let i = 0;
  let depth = 0;
  const peek = (): Token => tokens[i] as Token;
  const fail = (reason: string, tok: Token = peek(), hint?: string): never => {
    throw new FormulaError(tok.k === 'end' ? `${reason}, found the end` : reason, tok.s, tok.at, hint);
  };
  const expect = (s: string): void => {
    if (peek().s !== s || peek().k !== 'op')
      fail(`Expected "${s}"${peek().k === 'end' ? '' : `, found "${peek().s}"`}`);
    i++;
  };
  const nest = <T>(tok: Token, f: () => T): T => {
    if (++depth > FORMULA_MAX_DEPTH) fail(`Nesting deeper than ${FORMULA_MAX_DEPTH} ("${tok.s}")`, tok);
    const out = f();
    depth--;
    return out;
  };

  const primary = (): FormulaNode => {
    const tok = peek();
    i++;
    if (tok.k === 'num') return { t: 'n', v: Number(tok.s) };
    if (tok.k === 'op' && tok.s === '(')
      return nest(tok, () => {
        const e = expr();
        expect(')');
        return e;
      });
    if (tok.k === 'name') {
      if (peek().s === '(' && peek().k === 'op') {
        const fn = FORMULA_FUNCTIONS.find((f) => f === tok.s);
        if (!fn) fail(`Unknown function "${tok.s}"`, tok, `known: ${FORMULA_FUNCTIONS.join(', ')}`);
        i++;
        return nest(tok, () => {
          const args = [expr()];
          while (peek().s === ',' && peek().k === 'op') {
            i++;
            args.push(expr());
          }
          expect(')');
          if (fn === 'log' && args.length !== 1) fail('"log" takes one argument', tok);
          return { t: 'f', fn: fn as (typeof FORMULA_FUNCTIONS)[number], args };
        });
      }
      const counter = tok.s.startsWith('scores.') ? tok.s.slice(7) : undefined;
      if (
        tok.s === 'score' ||
        tok.s === 'joined_at' ||
        (counter !== undefined && COUNTER_NAME_RE.test(counter))
      )
        return { t: 'v', name: tok.s };
      fail(`Unknown name "${tok.s}"`, tok, 'known: score, scores.<name>, joined_at');
    }
    return fail(tok.k === 'end' ? 'Expected a value' : `Unexpected "${tok.s}"`, tok);
  };

  const unary = (): FormulaNode => {
    const tok = peek();
    if (tok.k === 'op' && (tok.s === '-' || tok.s === '+' || tok.s === '!')) {
      i++;
      return nest(tok, () => ({ t: 'u', op: tok.s, a: unary() }));
    }
    const base = primary();
    if (peek().s === '^' && peek().k === 'op') {
      i++;
      return { t: 'b', op: '^', a: base, b: nest(tok, unary) };
    }
    return base;
  };

  const binary = (min: number): FormulaNode => {
    let left = unary();
    for (;;) {
      const tok = peek();
      const power = tok.k === 'op' ? BINARY[tok.s] : undefined;
      if (power === undefined || power < min) return left;
      i++;
      const right = binary(power + 1);
      if ((tok.s === '/' || tok.s === '%') && isZero(right))
        fail(`Division by a literal zero ("${tok.s}")`, tok);
      left = { t: 'b', op: tok.s, a: left, b: right };
    }
  };

  const expr = (): FormulaNode => {
    const c = binary(1);
    const tok = peek();
    if (tok.s !== '?' || tok.k !== 'op') return c;
    i++;
    return nest(tok, () => {
      const a = expr();
      expect(':');
      return { t: '?', c, a, b: expr() };
    });
  };

  const tree = expr();
  if (peek().k !== 'end') fail(`Unexpected "${peek().s}"`);
  return tree;
}

/** The first problem of a formula, or undefined when it is valid. */
export function formulaProblem(src: string): FormulaError | undefined {
  try {
    parseFormula(src);
    return undefined;
  } catch (e) {
    if (e instanceof FormulaError) return e;
    throw e;
  }
}

const truth = (v: number): number => (v !== 0 && !Number.isNaN(v) ? 1 : 0);

/** Evaluate a parsed formula for one participant (a non-finite result is returned as is). */
export function evaluateFormula(node: FormulaNode, p: Participant): number {
  const ev = (n: FormulaNode): number => {
    switch (n.t) {
      case 'n':
        return n.v;
      case 'v': {
        if (n.name === 'score') return p.score;
        if (n.name === 'joined_at') return p.joined_at ?? 0;
        const scores = p.scores ?? {};
        const key = n.name.slice(7);
        return Object.hasOwn(scores, key) ? Number(scores[key]) : 0;
      }
      case 'u': {
        const a = ev(n.a);
        return n.op === '-' ? -a : n.op === '!' ? 1 - truth(a) : a;
      }
      case '?':
        return truth(ev(n.c)) ? ev(n.a) : ev(n.b);
      case 'f': {
        const args = n.args.map(ev);
        return n.fn === 'log' ? Math.log(args[0] as number) : Math[n.fn](...args);
      }
      case 'b':
        return binaryOp(n.op, ev(n.a), ev(n.b));
    }
  };
  return ev(node);
}

function binaryOp(op: string, a: number, b: number): number {
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return a / b;
    case '%':
      return a % b;
    case '^':
      return a ** b;
    case '<':
      return +(a < b);
    case '<=':
      return +(a <= b);
    case '>':
      return +(a > b);
    case '>=':
      return +(a >= b);
    case '==':
      return +(a === b);
    case '!=':
      return +(a !== b);
    case '&&':
      return truth(a) && truth(b);
    default:
      return truth(a) || truth(b);
  }
}
