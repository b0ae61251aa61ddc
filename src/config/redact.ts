/**
 * Print config with every key the schema marks secret replaced, wherever config is shown.
 * A key the schema does not know (a file written by a newer release) is judged by its name, by the
 * same rule the logger redacts fields with (`isSecretKeyName`: whole words such as password, key,
 * token, secret), so neither a log line nor a printed config shows it.
 */
import { isSecretKeyName } from '../core/logger.js';
import type { Schema } from '../core/schema.js';

export const REDACTED = '[redacted]';

export function redactConfig(schema: Schema<unknown>, value: unknown): unknown {
  if (schema.meta.secret && value !== undefined) return REDACTED;
  if (Array.isArray(value)) return schema.item ? value.map((v) => redactConfig(schema.item as Schema<unknown>, v)) : value;
  if (value !== null && typeof value === 'object' && schema.shape) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const child = schema.shape[k];
      out[k] = child ? redactConfig(child, v) : redactUnknown(k, v);
    }
    return out;
  }
  return value;
}

/** A value the schema says nothing about: secret-named keys hidden, at any depth. */
function redactUnknown(key: string, value: unknown, depth = 0): unknown {
  if (value === undefined) return value;
  if (isSecretKeyName(key) || depth > 16) return REDACTED;
  if (Array.isArray(value)) return value.map((v) => redactUnknown(key, v, depth + 1));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactUnknown(k, v, depth + 1)]));
  }
  return value;
}
