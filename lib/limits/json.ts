/**
 * One walk over a JSON value that finds everything DynamoDB (and the JSON text) cannot hold:
 * numbers it does not store exactly, nesting beyond the allowed depth, lone surrogates in keys
 * and strings, over-long strings, and values that are not JSON at all. Usable before any zod
 * parsing (the edge runs it on every body), and by the zod helpers in `./zod.ts`.
 */
import { type FieldIssue, toFieldIssues, validationError } from '../errors.ts';
import {
  escapeLoneSurrogates,
  isWellFormedUnicode,
  LONE_SURROGATE_MESSAGE,
  MAX_BODY_DEPTH,
  numberProblem,
  utf8Bytes,
} from './dynamodb.ts';

export interface JsonLimits {
  /** Deepest nesting of objects/arrays, the value itself being level 1. Default {@link MAX_BODY_DEPTH}. */
  maxDepth?: number;
  /** Longest string value, UTF-8 bytes. Default: no cap (the body size caps it). */
  maxStringBytes?: number;
  /** Stop after this many issues (a hostile body should not produce a huge answer). Default 20. */
  maxIssues?: number;
}

/** An issue with its path as segments (zod's form), before it is dotted. */
export interface PathIssue {
  path: PropertyKey[];
  message: string;
}

const DEFAULT_MAX_ISSUES = 20;

/**
 * Every limit the value breaks, as path segments relative to the value. Never throws and never
 * recurses deeper than `maxDepth + 1`, whatever the input.
 */
export function jsonLimitIssues(value: unknown, limits: JsonLimits = {}): PathIssue[] {
  const maxDepth = limits.maxDepth ?? MAX_BODY_DEPTH;
  const maxIssues = limits.maxIssues ?? DEFAULT_MAX_ISSUES;
  const maxString = limits.maxStringBytes;
  const issues: PathIssue[] = [];
  const path: PropertyKey[] = [];
  const add = (message: string, last?: PropertyKey) =>
    issues.push({ path: last === undefined ? [...path] : [...path, last], message });

  const visit = (v: unknown, level: number): void => {
    if (issues.length >= maxIssues) return;
    switch (typeof v) {
      case 'string':
        if (!isWellFormedUnicode(v)) add(LONE_SURROGATE_MESSAGE);
        else if (maxString !== undefined && v.length > maxString / 3 && utf8Bytes(v) > maxString)
          add(`must be at most ${maxString} bytes (UTF-8)`);
        return;
      case 'number': {
        const problem = numberProblem(v);
        if (problem) add(problem);
        return;
      }
      case 'boolean':
        return;
      case 'object':
        break;
      default:
        add('must be a JSON value');
        return;
    }
    if (v === null) return;
    if (level + 1 > maxDepth) {
      add(`is nested too deeply (at most ${maxDepth} levels of objects and arrays)`);
      return;
    }
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length && issues.length < maxIssues; i++) {
        path.push(i);
        visit(v[i], level + 1);
        path.pop();
      }
      return;
    }
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) {
      add('must be a JSON value');
      return;
    }
    for (const [key, child] of Object.entries(v)) {
      if (issues.length >= maxIssues) return;
      if (!isWellFormedUnicode(key)) {
        add(`field name ${LONE_SURROGATE_MESSAGE}`, escapeLoneSurrogates(key));
        continue;
      }
      path.push(key);
      visit(child, level + 1);
      path.pop();
    }
  };
  visit(value, 0);
  return issues;
}

/**
 * {@link jsonLimitIssues} as the project's dotted field issues under `prefix`
 * (e.g. `metadata.custom_rules.a[2]`). Empty when the value is within every limit.
 */
export function checkJsonLimits(value: unknown, opts: JsonLimits & { prefix?: string } = {}): FieldIssue[] {
  return toFieldIssues(jsonLimitIssues(value, opts), opts.prefix ?? '');
}

/**
 * Throw the contract's 400 (`validation_failed`, every offending field by path) when the value
 * breaks a limit; return it unchanged otherwise.
 */
export function assertJsonLimits<T>(value: T, opts: JsonLimits & { prefix?: string } = {}): T {
  const issues = checkJsonLimits(value, opts);
  if (issues.length) throw validationError(issues);
  return value;
}
