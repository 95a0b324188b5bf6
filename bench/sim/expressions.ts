/**
 * DynamoDB condition, filter and update expressions, evaluated in memory for the simulation's
 * tables (bench/sim/dynamo.ts). The subset the platform's code writes: comparisons, AND / OR /
 * NOT, parentheses, IN, BETWEEN, attribute_exists, attribute_not_exists, contains, begins_with;
 * `SET a = v | a = b + v | a = if_not_exists(b, v)`, `REMOVE a`, `ADD a v`. Each expression is
 * parsed once and cached; `#name` and `:value` placeholders are resolved on evaluation.
 *
 * (The unit tests' DynamoModel, test/kit/dynamodb-model.ts, is told each expression's meaning by
 * the test instead, on purpose; a bench must not import test fixtures, and it needs its tables
 * indexed for a million items, so the simulation has its own.)
 */
type Item = Record<string, unknown>;
type Names = Record<string, string>;
type Values = Record<string, unknown>;

type Operand = { kind: 'path'; name: string } | { kind: 'value'; name: string };
type Node =
  | { kind: 'and' | 'or'; left: Node; right: Node }
  | { kind: 'not'; node: Node }
  | { kind: 'cmp'; op: string; left: Operand; right: Operand }
  | { kind: 'in'; left: Operand; list: Operand[] }
  | { kind: 'between'; left: Operand; low: Operand; high: Operand }
  | { kind: 'fn'; name: string; args: Operand[] };

const TOKEN = /\s*(<>|<=|>=|[=<>(),]|[#:]?[A-Za-z_][A-Za-z0-9_]*)/y;

function tokenize(s: string): string[] {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < s.length) {
    if (/^\s*$/.test(s.slice(TOKEN.lastIndex))) break;
    const m = TOKEN.exec(s);
    if (!m?.[1]) throw new Error(`cannot read the expression at "${s.slice(TOKEN.lastIndex)}"`);
    out.push(m[1]);
  }
  return out;
}

class Parser {
  private i = 0;
  constructor(private readonly t: string[]) {}

  parse(): Node {
    const n = this.or();
    if (this.i !== this.t.length) throw new Error(`unexpected "${this.t[this.i]}"`);
    return n;
  }

  private peek(): string | undefined {
    return this.t[this.i];
  }
  private next(): string {
    const t = this.t[this.i++];
    if (t === undefined) throw new Error('unexpected end of the expression');
    return t;
  }
  private expect(t: string): void {
    if (this.next() !== t) throw new Error(`expected "${t}"`);
  }

  private or(): Node {
    let left = this.and();
    while (this.peek()?.toUpperCase() === 'OR') {
      this.i++;
      left = { kind: 'or', left, right: this.and() };
    }
    return left;
  }

  private and(): Node {
    let left = this.not();
    while (this.peek()?.toUpperCase() === 'AND') {
      this.i++;
      left = { kind: 'and', left, right: this.not() };
    }
    return left;
  }

  private not(): Node {
    if (this.peek()?.toUpperCase() === 'NOT') {
      this.i++;
      return { kind: 'not', node: this.not() };
    }
    return this.primary();
  }

  private primary(): Node {
    if (this.peek() === '(') {
      this.i++;
      const n = this.or();
      this.expect(')');
      return n;
    }
    const first = this.next();
    if (this.peek() === '(' && !first.startsWith('#') && !first.startsWith(':')) {
      this.i++;
      const args: Operand[] = [this.operand(this.next())];
      while (this.peek() === ',') {
        this.i++;
        args.push(this.operand(this.next()));
      }
      this.expect(')');
      return { kind: 'fn', name: first, args };
    }
    const left = this.operand(first);
    const op = this.next();
    if (op.toUpperCase() === 'IN') {
      this.expect('(');
      const list = [this.operand(this.next())];
      while (this.peek() === ',') {
        this.i++;
        list.push(this.operand(this.next()));
      }
      this.expect(')');
      return { kind: 'in', left, list };
    }
    if (op.toUpperCase() === 'BETWEEN') {
      const low = this.operand(this.next());
      this.expect('AND');
      return { kind: 'between', left, low, high: this.operand(this.next()) };
    }
    return { kind: 'cmp', op, left, right: this.operand(this.next()) };
  }

  private operand(t: string): Operand {
    return t.startsWith(':') ? { kind: 'value', name: t } : { kind: 'path', name: t };
  }
}

const conditions = new Map<string, Node>();

const resolve = (o: Operand, item: Item | undefined, names: Names, values: Values): unknown => {
  if (o.kind === 'value') {
    if (!(o.name in values)) throw new Error(`ValidationException: undefined value ${o.name}`);
    return values[o.name];
  }
  const name = o.name.startsWith('#') ? names[o.name] : o.name;
  if (name === undefined) throw new Error(`ValidationException: undefined name ${o.name}`);
  return item?.[name];
};

const order = (a: unknown, b: unknown): number | undefined => {
  if (typeof a !== typeof b || (typeof a !== 'string' && typeof a !== 'number')) return undefined;
  return (a as string | number) < (b as string | number)
    ? -1
    : (a as string | number) > (b as string | number)
      ? 1
      : 0;
};

function evaluate(n: Node, item: Item | undefined, names: Names, values: Values): boolean {
  switch (n.kind) {
    case 'and':
      return evaluate(n.left, item, names, values) && evaluate(n.right, item, names, values);
    case 'or':
      return evaluate(n.left, item, names, values) || evaluate(n.right, item, names, values);
    case 'not':
      return !evaluate(n.node, item, names, values);
    case 'in': {
      const left = resolve(n.left, item, names, values);
      for (const o of n.list) if (resolve(o, item, names, values) === left) return true;
      return false;
    }
    case 'between': {
      const left = resolve(n.left, item, names, values);
      return (
        (order(left, resolve(n.low, item, names, values)) ?? -1) >= 0 &&
        (order(left, resolve(n.high, item, names, values)) ?? 1) <= 0
      );
    }
    case 'fn':
      return call(n, item, names, values);
    case 'cmp': {
      const a = resolve(n.left, item, names, values);
      const b = resolve(n.right, item, names, values);
      if (n.op === '=') return a !== undefined && a === b;
      if (n.op === '<>') return a !== b;
      const c = order(a, b);
      if (c === undefined) return false;
      return n.op === '<' ? c < 0 : n.op === '<=' ? c <= 0 : n.op === '>' ? c > 0 : c >= 0;
    }
  }
}

function call(
  n: Extract<Node, { kind: 'fn' }>,
  item: Item | undefined,
  names: Names,
  values: Values,
): boolean {
  const [a, b] = n.args;
  if (!a) throw new Error(`${n.name} takes an argument`);
  const x = resolve(a, item, names, values);
  if (n.name === 'attribute_exists') return x !== undefined;
  if (n.name === 'attribute_not_exists') return x === undefined;
  const y = b ? resolve(b, item, names, values) : undefined;
  if (n.name === 'contains')
    return Array.isArray(x) ? x.includes(y) : typeof x === 'string' && x.includes(String(y));
  if (n.name === 'begins_with') return typeof x === 'string' && x.startsWith(String(y));
  throw new Error(`the simulation does not evaluate ${n.name}()`);
}

/** Whether `expression` holds for `item` (undefined: there is none). */
export function holds(
  expression: string,
  item: Item | undefined,
  names: Names = {},
  values: Values = {},
): boolean {
  let node = conditions.get(expression);
  if (!node) {
    node = new Parser(tokenize(expression)).parse();
    conditions.set(expression, node);
  }
  return evaluate(node, item, names, values);
}

type Action =
  | {
      kind: 'set';
      target: string;
      value: Operand;
      plus?: { sign: 1 | -1; value: Operand };
      ifNotExists?: Operand;
    }
  | { kind: 'remove'; target: string }
  | { kind: 'add'; target: string; value: Operand };

const updates = new Map<string, Action[]>();

function parseUpdate(expression: string): Action[] {
  const actions: Action[] = [];
  for (const [, keyword = '', body = ''] of expression.matchAll(
    /\b(SET|REMOVE|ADD)\s+(.*?)(?=\s+\b(?:SET|REMOVE|ADD)\b|$)/gs,
  )) {
    for (const part of body.split(/,(?![^(]*\))/).map((p) => p.trim())) {
      if (keyword === 'REMOVE') actions.push({ kind: 'remove', target: part });
      else if (keyword === 'ADD') {
        const [target = '', value = ''] = part.split(/\s+/);
        actions.push({ kind: 'add', target, value: { kind: 'value', name: value } });
      } else {
        const m =
          /^([#\w]+)\s*=\s*(?:if_not_exists\(\s*([#\w]+)\s*,\s*([:#\w]+)\s*\)|([:#\w]+))(?:\s*([+-])\s*([:#\w]+))?$/.exec(
            part,
          );
        if (!m) throw new Error(`the simulation does not apply "${part}"`);
        const op = (t: string): Operand =>
          t.startsWith(':') ? { kind: 'value', name: t } : { kind: 'path', name: t };
        actions.push({
          kind: 'set',
          target: m[1] ?? '',
          value: op(m[4] ?? m[3] ?? ''),
          ...(m[2] ? { ifNotExists: op(m[2]) } : {}),
          ...(m[5] ? { plus: { sign: m[5] === '-' ? -1 : 1, value: op(m[6] ?? '') } } : {}),
        });
      }
    }
  }
  return actions;
}

/** The item after `expression` (operands are read from the item before it, as DynamoDB does). */
export function applyUpdate(expression: string, before: Item, names: Names = {}, values: Values = {}): Item {
  let actions = updates.get(expression);
  if (!actions) {
    actions = parseUpdate(expression);
    updates.set(expression, actions);
  }
  const next: Item = { ...before };
  for (const a of actions) {
    const target = a.target.startsWith('#') ? (names[a.target] ?? a.target) : a.target;
    if (a.kind === 'remove') delete next[target];
    else if (a.kind === 'add')
      next[target] =
        ((before[target] as number | undefined) ?? 0) + (resolve(a.value, before, names, values) as number);
    else {
      let v = a.ifNotExists
        ? (resolve(a.ifNotExists, before, names, values) ?? resolve(a.value, before, names, values))
        : resolve(a.value, before, names, values);
      if (a.plus) v = (v as number) + a.plus.sign * (resolve(a.plus.value, before, names, values) as number);
      next[target] = v;
    }
  }
  return next;
}
