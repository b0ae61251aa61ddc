/** Print config with every key the schema marks secret replaced, wherever config is shown. */
import type { Schema } from '../core/schema.js';

export const REDACTED = '[redacted]';

export function redactConfig(schema: Schema<unknown>, value: unknown): unknown {
  if (schema.meta.secret && value !== undefined) return REDACTED;
  if (Array.isArray(value)) return schema.item ? value.map((v) => redactConfig(schema.item as Schema<unknown>, v)) : value;
  if (value !== null && typeof value === 'object' && schema.shape) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const child = schema.shape[k];
      out[k] = child ? redactConfig(child, v) : v;
    }
    return out;
  }
  return value;
}
