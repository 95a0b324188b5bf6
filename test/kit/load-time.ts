/**
 * What a module runs when it is imported: every call (and `new`, tagged template, `process.env`
 * read) evaluated at load, found with the TypeScript compiler API (syntax only, no type check).
 *
 * Load-time code is every top-level statement (variable initialisers, expression statements,
 * `export default` and `export =` expressions, enum initialisers) and, in classes, the `extends`
 * expression, computed member names, static property initialisers and static blocks. Function
 * bodies, methods, accessors, constructors and instance property initialisers run later and are
 * not load-time code, with two exceptions, because they do run at load:
 *   - a call to a function or class declared in lib/ (in the file or imported from another lib/
 *     file, through re-exports): its body (or constructor and instance initialisers) is
 *     load-time code too, checked by the same rules, so `const x = helper()` is flagged when
 *     `helper` builds a client or reads the environment, and passes when it only builds schemas;
 *   - a function literal passed to an allowed call that runs it at once (`callbacks: 'now'`, e.g.
 *     an array's `.map`): its body is load-time code.
 * A function literal passed to any other call is not followed (`once(() => new Client())` is
 * the way to defer work); if the callee calls it at once, that call is a call of a parameter,
 * which the callee's body analysis flags. A `throw` is not followed: it fails the import, it does
 * not do work at load.
 *
 * Each call is named by its callee, its root resolved through the file's imports:
 * `zod/mini:*.string().check` (a method on the result of `z.string()`, `z` a namespace import),
 * `ulidx:monotonicFactory` (a named import), `lib/lambda-kit/lazy.ts:once`, `Object.freeze`
 * (a global), `declared.map` (a method of a file-local value), `new Set`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/** A call that may run at load, and why. */
export interface AllowedCall {
  /** Matched against the call's name (see above); `new X` for a construction, `tag X` for a tagged template. */
  callee: RegExp;
  /** Only in this file (path from the repository root); every lib/ file when absent. */
  file?: string;
  /** 'now' when the callee runs its function arguments at once (their bodies are then checked). */
  callbacks?: 'now';
  reason: string;
}

/** A load-time call that no allow-list entry covers. */
export interface LoadTimeCall {
  /** `file:line` of the top-level statement that starts it. */
  at: string;
  /** The calls from that statement down to the offending one, each `name (file:line)`. */
  chain: string[];
}

type Callable = ts.FunctionDeclaration | ts.ArrowFunction | ts.FunctionExpression | ts.ClassLikeDeclaration;

interface Module {
  path: string;
  sf: ts.SourceFile;
  /** Local name → `module:imported` for packages, or the lib file and exported name. */
  imports: Map<string, { from: string; name: string; lib: boolean }>;
  /** Declared (top-level) names: functions, classes, consts. */
  decls: Map<string, ts.Node>;
  /** Exported name → its local name, or the file and name it re-exports. */
  reexports: Map<string, { from: string; name: string }>;
  starExports: string[];
}

export class LoadTimeAnalysis {
  readonly #root: string;
  readonly #allowed: readonly AllowedCall[];
  readonly #modules = new Map<string, Module>();
  /** Findings inside a callable's body, relative to its call (memoised; [] while in progress). */
  readonly #bodies = new Map<ts.Node, string[][]>();

  constructor(root: string, allowed: readonly AllowedCall[]) {
    this.#root = root;
    this.#allowed = allowed;
  }

  /** Every `.ts` file under `dir` (repository-relative paths). */
  files(dir: string): string[] {
    const walk = (d: string): string[] =>
      readdirSync(join(this.#root, d), { withFileTypes: true }).flatMap((f) =>
        f.isDirectory() ? walk(join(d, f.name)) : f.name.endsWith('.ts') ? [join(d, f.name)] : [],
      );
    return walk(dir);
  }

  /** The load-time calls of `file` that the allow-list does not cover. */
  loadTimeCalls(file: string): LoadTimeCall[] {
    const mod = this.#module(file);
    const out: LoadTimeCall[] = [];
    for (const s of mod.sf.statements)
      for (const node of loadTimeParts(s))
        for (const chain of this.#running(mod, node)) out.push({ at: `${file}:${lineOf(mod.sf, s)}`, chain });
    return out;
  }

  /** Entries of the allow-list that no call in `files` used (stale entries). */
  unused(files: readonly string[]): AllowedCall[] {
    this.#used.clear();
    for (const f of files) this.loadTimeCalls(f);
    this.#bodies.clear();
    return this.#allowed.filter((a) => !this.#used.has(a));
  }

  readonly #used = new Set<AllowedCall>();

  #module(file: string): Module {
    let mod = this.#modules.get(file);
    if (mod) return mod;
    const sf = ts.createSourceFile(
      file,
      readFileSync(join(this.#root, file), 'utf8'),
      ts.ScriptTarget.Latest,
      true,
    );
    mod = { path: file, sf, imports: new Map(), decls: new Map(), reexports: new Map(), starExports: [] };
    for (const s of sf.statements) this.#declare(mod, s);
    this.#modules.set(file, mod);
    return mod;
  }

  #declare(mod: Module, s: ts.Statement): void {
    if (ts.isImportDeclaration(s) && s.importClause && !s.importClause.isTypeOnly) {
      const { from, lib } = this.#target(mod.path, (s.moduleSpecifier as ts.StringLiteral).text);
      const c = s.importClause;
      if (c.name) mod.imports.set(c.name.text, { from, name: 'default', lib });
      const nb = c.namedBindings;
      if (nb && ts.isNamespaceImport(nb)) mod.imports.set(nb.name.text, { from, name: '*', lib });
      if (nb && ts.isNamedImports(nb))
        for (const e of nb.elements)
          mod.imports.set(e.name.text, { from, name: (e.propertyName ?? e.name).text, lib });
    } else if (ts.isExportDeclaration(s) && !s.isTypeOnly) {
      const target = s.moduleSpecifier
        ? this.#target(mod.path, (s.moduleSpecifier as ts.StringLiteral).text)
        : undefined;
      if (s.exportClause && ts.isNamedExports(s.exportClause))
        for (const e of s.exportClause.elements) {
          const local = (e.propertyName ?? e.name).text;
          mod.reexports.set(e.name.text, { from: target?.from ?? mod.path, name: local });
        }
      else if (target?.lib) mod.starExports.push(target.from);
    } else if ((ts.isFunctionDeclaration(s) || ts.isClassDeclaration(s)) && s.name) {
      mod.decls.set(s.name.text, s);
    } else if (ts.isVariableStatement(s)) {
      for (const d of s.declarationList.declarations)
        if (ts.isIdentifier(d.name)) mod.decls.set(d.name.text, d);
    }
  }

  #target(from: string, spec: string): { from: string; lib: boolean } {
    if (!spec.startsWith('.')) return { from: spec, lib: false };
    const base = relative(this.#root, resolve(this.#root, dirname(from), spec));
    const path = [base, `${base}.ts`, join(base, 'index.ts')].find(
      (p) => p.endsWith('.ts') && existsSync(join(this.#root, p)),
    );
    return path?.startsWith('lib/') ? { from: path, lib: true } : { from: path ?? base, lib: false };
  }

  /** The declaration `name` of a lib module, through its imports and re-exports. */
  #resolve(mod: Module, name: string, seen = new Set<string>()): { mod: Module; node: ts.Node } | undefined {
    const key = `${mod.path}:${name}`;
    if (seen.has(key)) return undefined;
    seen.add(key);
    const local = mod.decls.get(name);
    if (local) return { mod, node: local };
    const imported = mod.imports.get(name);
    if (imported?.lib && imported.name !== '*') return this.#exported(imported.from, imported.name, seen);
    return undefined;
  }

  #exported(file: string, name: string, seen: Set<string>): { mod: Module; node: ts.Node } | undefined {
    const mod = this.#module(file);
    const re = mod.reexports.get(name);
    if (re)
      return re.from === mod.path
        ? this.#resolve(mod, re.name, seen)
        : this.#exported(re.from, re.name, seen);
    const own = this.#resolve(mod, name, seen);
    if (own) return own;
    for (const star of mod.starExports) {
      const found = this.#exported(star, name, seen);
      if (found) return found;
    }
    return undefined;
  }

  /** The name of a callee, its root resolved through imports (see the file comment). */
  #nameOf(mod: Module, e: ts.Expression): string {
    if (ts.isIdentifier(e)) {
      const imp = mod.imports.get(e.text);
      if (imp) return `${imp.from}:${imp.name}`;
      return mod.decls.has(e.text) ? `${mod.path}:${e.text}` : e.text;
    }
    if (ts.isPropertyAccessExpression(e)) return `${this.#nameOf(mod, e.expression)}.${e.name.text}`;
    if (ts.isCallExpression(e)) return `${this.#nameOf(mod, e.expression)}()`;
    if (ts.isNewExpression(e)) return `new ${this.#nameOf(mod, e.expression)}()`;
    if (
      ts.isParenthesizedExpression(e) ||
      ts.isAsExpression(e) ||
      ts.isNonNullExpression(e) ||
      ts.isSatisfiesExpression(e)
    )
      return this.#nameOf(mod, e.expression);
    if (ts.isElementAccessExpression(e)) return `${this.#nameOf(mod, e.expression)}[]`;
    if (ts.isArrayLiteralExpression(e)) return '[]';
    if (ts.isObjectLiteralExpression(e)) return '{}';
    if (ts.isStringLiteralLike(e) || ts.isTemplateExpression(e)) return "''";
    return `<${ts.SyntaxKind[e.kind]}>`;
  }

  /** The lib declaration a callee names (`f`, `ns.f` for a namespace import of a lib file), if any. */
  #callable(mod: Module, e: ts.Expression): { mod: Module; node: Callable } | undefined {
    let found: { mod: Module; node: ts.Node } | undefined;
    if (ts.isIdentifier(e)) found = this.#resolve(mod, e.text);
    else if (ts.isPropertyAccessExpression(e) && ts.isIdentifier(e.expression)) {
      const imp = mod.imports.get(e.expression.text);
      if (imp?.lib && imp.name === '*') found = this.#exported(imp.from, e.name.text, new Set());
    }
    if (!found) return undefined;
    const { node } = found;
    if (ts.isFunctionDeclaration(node) || ts.isClassDeclaration(node)) return { mod: found.mod, node };
    if (ts.isVariableDeclaration(node) && node.initializer) {
      const init = skipOuter(node.initializer);
      if (ts.isArrowFunction(init) || ts.isFunctionExpression(init) || ts.isClassExpression(init))
        return { mod: found.mod, node: init };
    }
    return undefined;
  }

  #allow(mod: Module, name: string): AllowedCall | undefined {
    const hit = this.#allowed.find(
      (a) => a.callee.test(name) && (a.file === undefined || a.file === mod.path),
    );
    if (hit) this.#used.add(hit);
    return hit;
  }

  /** Unallowed calls made when `node` is evaluated, each as a chain of calls. */
  #running(mod: Module, node: ts.Node): string[][] {
    const out: string[][] = [];
    const visit = (n: ts.Node): void => {
      // A throw fails the import: it is an error path, not work done at load.
      if (isDeferred(n) || ts.isThrowStatement(n)) return;
      const where = `${mod.path}:${lineOf(mod.sf, n)}`;
      if (ts.isPropertyAccessExpression(n) && n.getText(mod.sf).replace(/\s/g, '') === 'process.env') {
        out.push([`process.env read (${where})`]);
        return;
      }
      if (ts.isCallExpression(n) || ts.isNewExpression(n) || ts.isTaggedTemplateExpression(n)) {
        const callee = ts.isTaggedTemplateExpression(n) ? n.tag : n.expression;
        if (callee.kind === ts.SyntaxKind.SuperKeyword) {
          // The parent's constructor: followed through the class's `extends` (see #body).
          for (const a of (n as ts.CallExpression).arguments) visit(a);
          return;
        }
        const prefix = ts.isNewExpression(n) ? 'new ' : ts.isTaggedTemplateExpression(n) ? 'tag ' : '';
        const name = `${prefix}${this.#nameOf(mod, callee)}`;
        const args = ts.isTaggedTemplateExpression(n) ? [n.template] : [...(n.arguments ?? [])];
        const allowed = this.#allow(mod, name);
        const target = allowed ? undefined : this.#callable(mod, callee);
        // An unallowed call is reported once, not again for each call its callee chain holds.
        if (!allowed && !target) out.push([`${name} (${where})`]);
        else visit(callee);
        if (target)
          for (const inner of this.#body(target.mod, target.node)) out.push([`${name} (${where})`, ...inner]);
        for (const a of args) {
          const fn = skipOuter(a as ts.Expression);
          if ((ts.isArrowFunction(fn) || ts.isFunctionExpression(fn)) && allowed?.callbacks === 'now')
            out.push(...this.#body(mod, fn));
          else visit(a);
        }
        return;
      }
      ts.forEachChild(n, visit);
    };
    visit(node);
    return out;
  }

  /** Unallowed calls made when `fn` is called (or, for a class, constructed). */
  #body(mod: Module, fn: Callable): string[][] {
    const memo = this.#bodies.get(fn);
    if (memo) return memo;
    this.#bodies.set(fn, []);
    const parts: ts.Node[] = [];
    const inherited: string[][] = [];
    if (ts.isClassLike(fn)) {
      for (const m of fn.members) {
        if (ts.isConstructorDeclaration(m) && m.body) parts.push(...m.parameters, m.body);
        if (ts.isPropertyDeclaration(m) && !isStatic(m) && m.initializer) parts.push(m.initializer);
      }
      for (const t of extendsOf(fn)) {
        const parent = this.#callable(mod, t);
        const name = `new ${this.#nameOf(mod, t)}`;
        if (parent) inherited.push(...this.#body(parent.mod, parent.node));
        else if (!this.#allow(mod, name))
          inherited.push([`${name} (${mod.path}:${lineOf(mod.sf, t)}, extended)`]);
      }
    } else {
      parts.push(...fn.parameters);
      if (fn.body) parts.push(fn.body);
    }
    const found = inherited;
    for (const p of parts) found.push(...this.#running(mod, p));
    this.#bodies.set(fn, found);
    return found;
  }
}

function extendsOf(c: ts.ClassLikeDeclaration): ts.Expression[] {
  return (c.heritageClauses ?? [])
    .filter((h) => h.token === ts.SyntaxKind.ExtendsKeyword)
    .flatMap((h) => h.types.map((t) => t.expression));
}

const isStatic = (m: ts.ClassElement): boolean =>
  ts.canHaveModifiers(m) && (ts.getModifiers(m) ?? []).some((x) => x.kind === ts.SyntaxKind.StaticKeyword);

/** Code inside `n` that does not run when `n` is evaluated: function bodies and class members. */
function isDeferred(n: ts.Node): boolean {
  return ts.isFunctionLike(n) || ts.isClassLike(n) || ts.isTypeNode(n) || ts.isInterfaceDeclaration(n);
}

/** The parts of a top-level statement that run at load. */
function loadTimeParts(s: ts.Statement): ts.Node[] {
  if (ts.isImportDeclaration(s) || ts.isExportDeclaration(s) || ts.isFunctionDeclaration(s)) return [];
  if (ts.isInterfaceDeclaration(s) || ts.isTypeAliasDeclaration(s) || ts.isModuleDeclaration(s)) return [];
  if (ts.isClassDeclaration(s)) return classLoadTimeParts(s);
  if (ts.isVariableStatement(s))
    return s.declarationList.declarations.flatMap((d) => {
      if (!d.initializer) return [];
      const init = skipOuter(d.initializer);
      return ts.isClassExpression(init) ? classLoadTimeParts(init) : [d.initializer];
    });
  return [s];
}

function classLoadTimeParts(c: ts.ClassLikeDeclaration): ts.Node[] {
  const parts: ts.Node[] = extendsOf(c);
  for (const m of c.members) {
    if (m.name && ts.isComputedPropertyName(m.name)) parts.push(m.name.expression);
    if (ts.isPropertyDeclaration(m) && isStatic(m) && m.initializer) parts.push(m.initializer);
    if (ts.isClassStaticBlockDeclaration(m)) parts.push(...m.body.statements);
  }
  return parts;
}

function skipOuter(e: ts.Expression): ts.Expression {
  let x = e;
  while (ts.isParenthesizedExpression(x) || ts.isAsExpression(x) || ts.isSatisfiesExpression(x))
    x = x.expression;
  return x;
}

function lineOf(sf: ts.SourceFile, n: ts.Node): number {
  return sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;
}
