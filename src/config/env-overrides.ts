/**
 * Environment overrides by one fixed rule: `TILLQR_` + the key path, segments joined by `__`,
 * each segment in SCREAMING_SNAKE case. `TILLQR_MQTT__URL` sets `mqtt.url`,
 * `TILLQR_DISPLAY__PARTIAL_REFRESH_LIMIT` sets `display.partialRefreshLimit`. String keys take the
 * value as it is; every other key takes JSON (`TILLQR_DISPLAY__ROTATION=90`).
 * `TILLQR_CONFIG` names the config file and is not a key.
 */
import type { Schema } from '../core/schema.js';
import { TillqrError } from '../core/errors.js';

const PREFIX = 'TILLQR_';
/** Variables of the tools and tests that share the prefix but are not config keys. */
const NOT_KEYS = new Set([
  'TILLQR_CONFIG',
  'TILLQR_HARDWARE_TESTS',
  'TILLQR_HW_PANEL',
  'TILLQR_CHROMIUM',
  'TILLQR_UPDATE_DOCS',
  'TILLQR_BACKEND_PASSWORD',
  'TILLQR_FLEET_URL',
  'TILLQR_FLEET_PASSWORD',
]);

export function envNameFor(path: string): string {
  return (
    PREFIX +
    path
      .split('.')
      .map((seg) => seg.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase())
      .join('__')
  );
}

/** Find the schema of a key path in an object schema, or undefined. */
export function schemaAt(root: Schema<unknown>, path: readonly string[]): Schema<unknown> | undefined {
  let s: Schema<unknown> | undefined = root;
  for (const seg of path) {
    if (s?.shape === undefined) return undefined;
    s = Object.prototype.hasOwnProperty.call(s.shape, seg) ? s.shape[seg] : undefined;
  }
  return s;
}

/** Turn a text value into the type the key's schema wants (strings as they are, others as JSON). */
export function coerceText(schema: Schema<unknown>, text: string, where: string): unknown {
  if (schema.kind === 'string' || (schema.kind === 'enum' && !/^-?[0-9]+$/.test(text))) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new TillqrError('CONFIG_INVALID', `${where}: ${JSON.stringify(text)} is not ${schema.expected} (give it as JSON)`);
  }
}

function camel(seg: string): string {
  return seg.toLowerCase().replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** Apply every TILLQR_* variable onto a raw config object (not yet validated); returns the keys set. */
export function applyEnvOverrides(root: Schema<unknown>, raw: Record<string, unknown>, env: NodeJS.ProcessEnv): string[] {
  const applied: string[] = [];
  const problems: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(PREFIX) || NOT_KEYS.has(name) || value === undefined) continue;
    const path = name.slice(PREFIX.length).split('__').map(camel);
    const schema = schemaAt(root, path);
    if (schema === undefined || path.some((p) => p === '')) {
      problems.push(`${name}: names no configuration key`);
      continue;
    }
    try {
      setPath(raw, path, coerceText(schema, value, name));
      applied.push(path.join('.'));
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  if (problems.length > 0) throw new TillqrError('CONFIG_INVALID', problems.join('\n'), { problems });
  return applied;
}

export function setPath(obj: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let cur: Record<string, unknown> = obj;
  path.forEach((seg, i) => {
    if (i === path.length - 1) {
      cur[seg] = value;
      return;
    }
    const next = cur[seg];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) cur[seg] = {};
    cur = cur[seg] as Record<string, unknown>;
  });
}

export function getPath(obj: unknown, path: readonly string[]): unknown {
  let cur: unknown = obj;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object' || !Object.prototype.hasOwnProperty.call(cur, seg)) return undefined;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur;
}
