/**
 * Pure helpers for desired configuration: combine the documents by precedence (device over
 * groups; among groups the one listed first in mqtt.groups wins), split a partial configuration
 * into leaf keys, and check each key on its own against the configuration schema so that valid
 * keys apply and each invalid one gets its own error.
 */
import { getPath, schemaAt, setPath } from '../config/env-overrides.js';
import { configSchema, type Config } from '../config/schema.js';
import type { Schema } from '../core/schema.js';

/** Keys fleet documents may not set: identity, where state lives, and who may sign releases (a fleet key must not be able to grant itself the power to push code). */
export const FLEET_DENIED_KEYS: readonly string[] = ['deviceId', 'hardware', 'stateDir', 'trust.releaseKeys', 'fleet.releaseRoot'];

export interface Leaf {
  readonly key: string;
  readonly path: readonly string[];
  readonly value: unknown;
}

export interface SourcedLeaf extends Leaf {
  /** "device" or "group:<name>". */
  readonly source: string;
}

export interface KeyError {
  readonly key: string;
  readonly source: string;
  readonly message: string;
}

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Leaf keys of a partial configuration: descend while both the value and the schema are objects
 * with known keys; everything else (numbers, strings, lists, records, unknown keys) is one leaf.
 */
export function leaves(partial: Record<string, unknown>, schema: Schema<unknown> = configSchema, prefix: readonly string[] = []): Leaf[] {
  const out: Leaf[] = [];
  for (const [k, v] of Object.entries(partial)) {
    const path = [...prefix, k];
    const s = schema.shape !== undefined && Object.prototype.hasOwnProperty.call(schema.shape, k) ? schema.shape[k] : undefined;
    if (isObj(v) && s?.kind === 'object' && s.shape !== undefined && Object.keys(v).length > 0) out.push(...leaves(v, s, path));
    else out.push({ key: path.join('.'), path, value: v });
  }
  return out;
}

export interface SourceDoc {
  readonly source: string;
  readonly config: Record<string, unknown>;
}

/**
 * Combine documents given from the lowest to the highest precedence: a later document's leaf
 * replaces an earlier one's at the same key.
 */
export function combine(docsLowToHigh: readonly SourceDoc[]): SourcedLeaf[] {
  const byKey = new Map<string, SourcedLeaf>();
  for (const d of docsLowToHigh) {
    for (const l of leaves(d.config)) {
      // A leaf replaces any leaves below it or above it in the tree (e.g. `merchant` vs `merchant.name`).
      for (const k of [...byKey.keys()]) if (k.startsWith(`${l.key}.`) || l.key.startsWith(`${k}.`)) byKey.delete(k);
      byKey.set(l.key, { ...l, source: d.source });
    }
  }
  return [...byKey.values()];
}

/** Documents ordered low to high: groups from the last listed to the first, then the device. */
export function byPrecedence(
  device: Record<string, unknown> | undefined,
  groups: ReadonlyMap<string, Record<string, unknown>>,
  memberOf: readonly string[],
): SourceDoc[] {
  const docs: SourceDoc[] = [];
  for (const g of [...memberOf].reverse()) {
    const c = groups.get(g);
    if (c !== undefined) docs.push({ source: `group:${g}`, config: c });
  }
  if (device !== undefined) docs.push({ source: 'device', config: device });
  return docs;
}

/** Check one leaf against the current configuration; undefined when it may be applied. */
export function checkLeaf(current: Config, leaf: Leaf): string | undefined {
  if (FLEET_DENIED_KEYS.some((d) => leaf.key === d || leaf.key.startsWith(`${d}.`) || d.startsWith(`${leaf.key}.`)))
    return 'may not be set by fleet configuration';
  const schema = schemaAt(configSchema, leaf.path);
  if (schema === undefined) return 'is not a configuration key';
  const candidate = structuredClone(current) as unknown as Record<string, unknown>;
  setPath(candidate, leaf.path, structuredClone(leaf.value));
  const r = configSchema.safeParse(candidate);
  if (r.ok) return undefined;
  // A secret's value must not travel back in the reported document.
  if (isSecretKey(leaf.path)) return `is not ${schema.expected} (the value is secret and not shown)`;
  return r.issues
    .map((i) => i.message)
    .join('; ')
    .slice(0, 500);
}

/** Is the leaf already the current value? (nothing to do) */
export function isCurrent(current: Config, leaf: Leaf): boolean {
  return JSON.stringify(getPath(current, leaf.path)) === JSON.stringify(leaf.value);
}

/** Build the nested partial object for a set of leaves. */
export function toPartial(ls: readonly Leaf[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const l of ls) setPath(out, l.path, structuredClone(l.value));
  return out;
}

/** Is this key, or an object it lies in, marked secret? */
export function isSecretKey(path: readonly string[]): boolean {
  for (let i = 1; i <= path.length; i++) if (schemaAt(configSchema, path.slice(0, i))?.meta.secret === true) return true;
  return false;
}
