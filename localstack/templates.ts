/**
 * The platform's stacks read as one template. Tempora deploys several stacks that refer to each
 * other through CloudFormation exports (`Fn::ImportValue`); tools that follow references (the
 * dead-letter wiring, the infra tests) want one graph. {@link mergeTemplates} qualifies every
 * logical id with its stack (`Tempora-dev/UserTable3BA5415A`), rewrites `Ref` / `Fn::GetAtt`
 * accordingly, and replaces each `Fn::ImportValue` by the value its stack exports (itself
 * qualified), so a reference across stacks reads like one within a stack. Pure: JSON in, JSON out.
 */

export interface TemplateResource {
  Type: string;
  Properties?: Record<string, unknown>;
  DependsOn?: string | string[];
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  [key: string]: unknown;
}

export interface TemplateOutput {
  Value: unknown;
  Export?: { Name: unknown };
  Description?: string;
}

export interface CfnTemplate {
  Resources: Record<string, TemplateResource>;
  Outputs?: Record<string, TemplateOutput>;
}

export interface NamedTemplate {
  /** The stack's name (what exports are scoped to and what `qualify` prefixes). */
  name: string;
  template: { Resources?: Record<string, { Type: string }>; Outputs?: Record<string, TemplateOutput> };
}

/** `<stack>/<logicalId>`: a logical id that is unique across the stacks. */
export const qualify = (stack: string, logicalId: string): string => `${stack}/${logicalId}`;

/** The logical id within its stack: `Tempora-dev/UserTable3BA5415A` → `UserTable3BA5415A`. */
export const logicalIdOf = (qualified: string): string => qualified.slice(qualified.lastIndexOf('/') + 1);

/** The stack of a qualified id: `Tempora-dev/UserTable3BA5415A` → `Tempora-dev`. */
export const stackOf = (qualified: string): string =>
  qualified.slice(0, Math.max(0, qualified.lastIndexOf('/')));

type Json = unknown;
const isObj = (v: Json): v is Record<string, Json> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** One stack's expressions with its own ids qualified; imports resolved through `imported`. */
function rewrite(stack: string, own: ReadonlySet<string>, v: Json, imported: (name: string) => Json): Json {
  if (Array.isArray(v)) return v.map((x) => rewrite(stack, own, x, imported));
  if (!isObj(v)) return v;
  const keys = Object.keys(v);
  if (keys.length === 1) {
    const ref = v.Ref;
    if (typeof ref === 'string') return { Ref: own.has(ref) ? qualify(stack, ref) : ref };
    const att = v['Fn::GetAtt'];
    if (Array.isArray(att) && typeof att[0] === 'string' && own.has(att[0]))
      return { 'Fn::GetAtt': [qualify(stack, att[0]), ...att.slice(1)] };
    if (typeof att === 'string') {
      const [id = '', ...rest] = att.split('.');
      if (own.has(id)) return { 'Fn::GetAtt': [qualify(stack, id), rest.join('.')] };
    }
    const imp = v['Fn::ImportValue'];
    if (typeof imp === 'string') return imported(imp);
  }
  return Object.fromEntries(keys.map((k) => [k, rewrite(stack, own, v[k], imported)]));
}

/**
 * The stacks as one template (see the file comment). An import of an export that none of the
 * given stacks declares is left as `Fn::ImportValue`; outputs keep their names, qualified too.
 */
export function mergeTemplates(stacks: readonly NamedTemplate[]): CfnTemplate {
  const exports = new Map<string, { stack: string; own: Set<string>; value: Json }>();
  const owned = new Map<string, Set<string>>();
  for (const s of stacks) {
    const own = new Set(Object.keys(s.template.Resources ?? {}));
    owned.set(s.name, own);
    for (const o of Object.values(s.template.Outputs ?? {})) {
      const name = o.Export?.Name;
      if (typeof name === 'string') exports.set(name, { stack: s.name, own, value: o.Value });
    }
  }
  const resolving = new Set<string>();
  const imported = (name: string): Json => {
    const e = exports.get(name);
    if (!e || resolving.has(name)) return { 'Fn::ImportValue': name };
    resolving.add(name);
    try {
      return rewrite(e.stack, e.own, e.value, imported);
    } finally {
      resolving.delete(name);
    }
  };
  const merged: CfnTemplate = { Resources: {}, Outputs: {} };
  for (const s of stacks) {
    const own = owned.get(s.name) ?? new Set<string>();
    for (const [id, r] of Object.entries(s.template.Resources ?? {})) {
      const out = rewrite(s.name, own, r, imported) as TemplateResource;
      if (out.DependsOn !== undefined) {
        const deps = Array.isArray(out.DependsOn) ? out.DependsOn : [out.DependsOn];
        out.DependsOn = deps.map((d) => (own.has(d) ? qualify(s.name, d) : d));
      }
      merged.Resources[qualify(s.name, id)] = out;
    }
    for (const [id, o] of Object.entries(s.template.Outputs ?? {}))
      (merged.Outputs as Record<string, TemplateOutput>)[qualify(s.name, id)] = rewrite(
        s.name,
        own,
        o,
        imported,
      ) as TemplateOutput;
  }
  return merged;
}
