/**
 * The schema DSL's core (src/core/schema.ts has the whole story): a Schema runs a parse function,
 * collects every problem with its key path, and carries the metadata config keys need.
 */
export interface Issue {
  readonly path: string;
  readonly value: unknown;
  readonly expected: string;
  readonly message: string;
}

export interface Meta {
  secret: boolean;
  restart: boolean;
  doc: string | undefined;
  hasDefault: boolean;
  defaultValue: unknown;
  optional: boolean;
}

type ParseFn<T> = (value: unknown, path: string, issues: Issue[]) => T | typeof INVALID;

export const INVALID: unique symbol = Symbol('invalid');

export function showValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 80 ? `${v.slice(0, 77)}...` : v);
  if (v === undefined) return 'missing';
  try {
    const s = JSON.stringify(v);
    return s.length > 80 ? `${s.slice(0, 77)}...` : s;
  } catch {
    return Object.prototype.toString.call(v);
  }
}

export function issue(issues: Issue[], path: string, value: unknown, expected: string): typeof INVALID {
  const where = path === '' ? '(root)' : path;
  const message = value === undefined ? `${where}: is missing; expected ${expected}` : `${where}: ${showValue(value)} is not ${expected}`;
  issues.push({ path: where, value, expected, message });
  return INVALID;
}

/** A refinement's finding, told in its own words (`message` follows "path: ") instead of quoting the value. */
export interface Problem {
  readonly expected: string;
  readonly message: string;
}

export class Schema<T> {
  readonly kind: string;
  readonly expected: string;
  readonly meta: Meta;
  readonly #parse: ParseFn<T>;
  /** For object schemas: the shape, so config tooling can walk keys. */
  readonly shape: Readonly<Record<string, Schema<unknown>>> | undefined;
  /** For array schemas: the item schema. */
  readonly item: Schema<unknown> | undefined;
  /** The JSON Schema (2020-12) keywords this schema checks, without doc and default (src/link/json-schema.ts adds those). */
  readonly json: JsonKeywords;

  constructor(
    kind: string,
    expected: string,
    parse: ParseFn<T>,
    meta: Partial<Meta> = {},
    extra: { shape?: Record<string, Schema<unknown>>; item?: Schema<unknown>; json?: JsonKeywords } = {},
  ) {
    this.kind = kind;
    this.expected = expected;
    this.#parse = parse;
    this.meta = { secret: false, restart: false, doc: undefined, hasDefault: false, defaultValue: undefined, optional: false, ...meta };
    this.shape = extra.shape;
    this.item = extra.item;
    this.json = extra.json ?? {};
  }

  #with(meta: Partial<Meta>): this {
    const extra: { shape?: Record<string, Schema<unknown>>; item?: Schema<unknown>; json?: JsonKeywords } = { json: this.json };
    if (this.shape) extra.shape = { ...this.shape };
    if (this.item) extra.item = this.item;
    return new Schema<T>(this.kind, this.expected, this.#parse, { ...this.meta, ...meta }, extra) as this;
  }

  /** Run the schema at a path (used by composite schemas). */
  run(value: unknown, path: string, issues: Issue[]): T | typeof INVALID {
    if (value === undefined) {
      if (this.meta.hasDefault) return structuredClone(this.meta.defaultValue) as T;
      if (this.meta.optional) return undefined as T;
      return issue(issues, path, value, this.expected);
    }
    if (!this.meta.secret) return this.#parse(value, path, issues);
    // A secret's value never appears in a message, however wrong it is.
    const local: Issue[] = [];
    const out = this.#parse(value, path, local);
    for (const i of local)
      issues.push({ path: i.path, value: '[redacted]', expected: i.expected, message: `${i.path}: the value given (secret, not shown) is not ${i.expected}` });
    return out;
  }

  /** Validate a whole value; returns the parsed value or the list of problems. */
  safeParse(value: unknown): { ok: true; value: T } | { ok: false; issues: Issue[] } {
    const issues: Issue[] = [];
    const out = this.run(value, '', issues);
    if (out === INVALID || issues.length > 0) return { ok: false, issues };
    return { ok: true, value: out };
  }

  optional(): Schema<T | undefined> {
    return this.#with({ optional: true });
  }

  default(v: T): Schema<T> {
    return this.#with({ hasDefault: true, defaultValue: v });
  }

  secret(): this {
    return this.#with({ secret: true });
  }

  restart(): this {
    return this.#with({ restart: true });
  }

  doc(text: string): this {
    return this.#with({ doc: text });
  }

  /**
   * Add a check; `check` returns undefined when fine, or the expectation that failed (the message
   * then quotes the value), or a Problem whose message says what is wrong in its own words.
   */
  refine(check: (v: T) => string | Problem | undefined): Schema<T> {
    const parent = this.#parse;
    // A refinement is code, not a keyword: the JSON Schema keeps the parent's keywords and says so.
    const extra: { shape?: Record<string, Schema<unknown>>; item?: Schema<unknown>; json?: JsonKeywords } = { json: { ...this.json, refined: true } };
    if (this.shape) extra.shape = { ...this.shape };
    if (this.item) extra.item = this.item;
    return new Schema<T>(
      this.kind,
      this.expected,
      (value, path, issues) => {
        const v = parent(value, path, issues);
        if (v === INVALID) return v;
        const problem = check(v);
        if (problem === undefined) return v;
        if (typeof problem === 'string') return issue(issues, path, value, problem);
        const where = path === '' ? '(root)' : path;
        issues.push({ path: where, value, expected: problem.expected, message: `${where}: ${problem.message}` });
        return INVALID;
      },
      this.meta,
      extra,
    );
  }
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

/**
 * What a schema checks, as JSON Schema keywords (`refined`: it also runs a check that no keyword
 * says, e.g. an amount bound that depends on the currency). Schemas nested in object, array and
 * record are the `shape`, `item` and `values` schemas, converted by the JSON Schema generator.
 */
export interface JsonKeywords {
  readonly type?: 'string' | 'integer' | 'number' | 'boolean' | 'object' | 'array';
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly const?: string | number | boolean;
  readonly enum?: readonly (string | number)[];
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly maxProperties?: number;
  readonly propertyNames?: { readonly pattern: string };
  readonly values?: Schema<unknown>;
  readonly additionalProperties?: false;
  readonly refined?: true;
}
