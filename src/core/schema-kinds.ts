/**
 * The schema DSL's kinds: strings, numbers, literals, arrays, records, objects and unions,
 * each with the JSON Schema keywords it checks (src/core/schema.ts has the whole story).
 */
import { INVALID, issue, Schema, type Infer, type JsonKeywords } from './schema-core.js';

export interface StringOpts {
  min?: number;
  max?: number;
  pattern?: RegExp;
  expected?: string;
}

export function string(opts: StringOpts = {}): Schema<string> {
  const expected = opts.expected ?? describeString(opts);
  const json: JsonKeywords = {
    type: 'string',
    ...(opts.min !== undefined ? { minLength: opts.min } : {}),
    ...(opts.max !== undefined ? { maxLength: opts.max } : {}),
    ...(opts.pattern !== undefined ? { pattern: opts.pattern.source } : {}),
  };
  return new Schema(
    'string',
    expected,
    (v, path, issues) => {
      if (typeof v !== 'string') return issue(issues, path, v, expected);
      const len = [...v].length;
      if (opts.min !== undefined && len < opts.min) return issue(issues, path, v, expected);
      if (opts.max !== undefined && len > opts.max) return issue(issues, path, v, expected);
      if (opts.pattern && !opts.pattern.test(v)) return issue(issues, path, v, expected);
      return v;
    },
    {},
    { json },
  );
}

function describeString(o: StringOpts): string {
  if (o.min !== undefined && o.max !== undefined) return `a string of ${o.min} to ${o.max} characters`;
  if (o.min !== undefined) return `a string of at least ${o.min} characters`;
  if (o.max !== undefined) return `a string of at most ${o.max} characters`;
  return 'a string';
}

export function int(opts: { min?: number; max?: number; expected?: string } = {}): Schema<number> {
  const range =
    opts.min !== undefined && opts.max !== undefined
      ? ` from ${opts.min} to ${opts.max}`
      : opts.min !== undefined
        ? ` of at least ${opts.min}`
        : opts.max !== undefined
          ? ` of at most ${opts.max}`
          : '';
  const expected = opts.expected ?? `a whole number${range}`;
  const json: JsonKeywords = { type: 'integer', minimum: opts.min ?? Number.MIN_SAFE_INTEGER, maximum: opts.max ?? Number.MAX_SAFE_INTEGER };
  return new Schema(
    'int',
    expected,
    (v, path, issues) => {
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) return issue(issues, path, v, expected);
      if (opts.min !== undefined && v < opts.min) return issue(issues, path, v, expected);
      if (opts.max !== undefined && v > opts.max) return issue(issues, path, v, expected);
      return v;
    },
    {},
    { json },
  );
}

export function number(opts: { min?: number; max?: number } = {}): Schema<number> {
  const expected = `a number${opts.min !== undefined ? ` >= ${opts.min}` : ''}${opts.max !== undefined ? ` <= ${opts.max}` : ''}`;
  const json: JsonKeywords = {
    type: 'number',
    ...(opts.min !== undefined ? { minimum: opts.min } : {}),
    ...(opts.max !== undefined ? { maximum: opts.max } : {}),
  };
  return new Schema(
    'number',
    expected,
    (v, path, issues) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) return issue(issues, path, v, expected);
      if (opts.min !== undefined && v < opts.min) return issue(issues, path, v, expected);
      if (opts.max !== undefined && v > opts.max) return issue(issues, path, v, expected);
      return v;
    },
    {},
    { json },
  );
}

export function boolean(): Schema<boolean> {
  return new Schema(
    'boolean',
    'true or false',
    (v, path, issues) => (typeof v === 'boolean' ? v : issue(issues, path, v, 'true or false')),
    {},
    { json: { type: 'boolean' } },
  );
}

export function literal<const V extends string | number | boolean>(value: V): Schema<V> {
  const expected = JSON.stringify(value);
  return new Schema('literal', expected, (v, path, issues) => (v === value ? value : issue(issues, path, v, expected)), {}, { json: { const: value } });
}

export function oneOf<const V extends readonly (string | number)[]>(values: V): Schema<V[number]> {
  const expected = `one of ${values.map((x) => JSON.stringify(x)).join(', ')}`;
  return new Schema(
    'enum',
    expected,
    (v, path, issues) => ((values as readonly unknown[]).includes(v) ? (v as V[number]) : issue(issues, path, v, expected)),
    {},
    { json: { enum: values } },
  );
}

export function array<T>(item: Schema<T>, opts: { min?: number; max?: number } = {}): Schema<T[]> {
  const { min = 0, max } = opts;
  const expected =
    max !== undefined
      ? min > 0
        ? `a list of ${min} to ${max} items`
        : `a list of at most ${max} items`
      : min > 0
        ? `a list of at least ${min} items`
        : 'a list';
  return new Schema(
    'array',
    expected,
    (v, path, issues) => {
      if (!Array.isArray(v)) return issue(issues, path, v, expected);
      if ((opts.max !== undefined && v.length > opts.max) || (opts.min !== undefined && v.length < opts.min)) return issue(issues, path, v, expected);
      const out: T[] = [];
      let bad = false;
      v.forEach((x, i) => {
        const r = item.run(x, `${path}[${i}]`, issues);
        if (r === INVALID) bad = true;
        else out.push(r);
      });
      return bad ? INVALID : out;
    },
    {},
    { item: item, json: { type: 'array', ...(min > 0 ? { minItems: min } : {}), ...(max !== undefined ? { maxItems: max } : {}) } },
  );
}

/** A map with string keys (validated by `key`) and values of one schema. */
export function record<T>(value: Schema<T>, opts: { key?: RegExp; keyExpected?: string; max?: number } = {}): Schema<Record<string, T>> {
  const expected = 'an object';
  const json: JsonKeywords = {
    type: 'object',
    values: value,
    ...(opts.key !== undefined ? { propertyNames: { pattern: opts.key.source } } : {}),
    ...(opts.max !== undefined ? { maxProperties: opts.max } : {}),
  };
  return new Schema(
    'record',
    expected,
    (v, path, issues) => {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) return issue(issues, path, v, expected);
      const entries = Object.entries(v as Record<string, unknown>);
      if (opts.max !== undefined && entries.length > opts.max) return issue(issues, path, v, `an object with at most ${opts.max} keys`);
      const out: Record<string, T> = {};
      let bad = false;
      for (const [k, x] of entries) {
        const p = path === '' ? k : `${path}.${k}`;
        if (opts.key && !opts.key.test(k)) {
          issue(issues, p, k, opts.keyExpected ?? `a key matching ${String(opts.key)}`);
          bad = true;
          continue;
        }
        const r = value.run(x, p, issues);
        if (r === INVALID) bad = true;
        else out[k] = r;
      }
      return bad ? INVALID : out;
    },
    {},
    { json },
  );
}

type Shape = Record<string, Schema<unknown>>;
type OptionalKeys<S extends Shape> = { [K in keyof S]: undefined extends Infer<S[K]> ? K : never }[keyof S];
type RequiredKeys<S extends Shape> = Exclude<keyof S, OptionalKeys<S>>;
export type ObjectOf<S extends Shape> = { [K in RequiredKeys<S>]: Infer<S[K]> } & { [K in OptionalKeys<S>]?: Exclude<Infer<S[K]>, undefined> };

/** An object with known keys. Unknown keys are an error (a typo in a config key must not pass silently). */
export function object<S extends Shape>(
  shape: S,
  opts: { unknownKeys?: 'reject' | 'strip'; expected?: string } = {},
): Schema<{ [K in keyof ObjectOf<S>]: ObjectOf<S>[K] }> {
  const expected = opts.expected ?? 'an object';
  return new Schema(
    'object',
    expected,
    (v, path, issues) => {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) return issue(issues, path, v, expected);
      const input = v as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      let bad = false;
      for (const [k, s] of Object.entries(shape)) {
        const p = path === '' ? k : `${path}.${k}`;
        const r = s.run(Object.prototype.hasOwnProperty.call(input, k) ? input[k] : undefined, p, issues);
        if (r === INVALID) bad = true;
        else if (r !== undefined) out[k] = r;
      }
      if (opts.unknownKeys !== 'strip') {
        for (const k of Object.keys(input)) {
          if (!Object.prototype.hasOwnProperty.call(shape, k)) {
            const p = path === '' ? k : `${path}.${k}`;
            issues.push({ path: p, value: input[k], expected: 'a known key', message: `${p}: is not a known key (known: ${Object.keys(shape).join(', ')})` });
            bad = true;
          }
        }
      }
      return bad ? INVALID : (out as ObjectOf<S>);
    },
    {},
    { shape, json: { type: 'object', ...(opts.unknownKeys !== 'strip' ? { additionalProperties: false as const } : {}) } },
  );
}

/** The first alternative that parses wins; problems are reported from the alternative chosen by `pick`. */
export function union<T>(expected: string, pick: (v: unknown) => Schema<T> | undefined): Schema<T> {
  return new Schema('union', expected, (v, path, issues) => {
    const s = pick(v);
    return s === undefined ? issue(issues, path, v, expected) : s.run(v, path, issues);
  });
}

/** Deep-freeze a parsed value so configuration cannot be changed behind the daemon's back. */
export function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v as object)) deepFreeze(x);
  }
  return v;
}
