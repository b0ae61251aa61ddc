/**
 * A JSON MQTT payload read against one of the contract's schemas, for the readers that only
 * take well-formed messages and pass over the rest (a backend, the operator's tools).
 */
import type { Schema } from '../core/schema.js';

/** The value, or undefined when the payload is not JSON or does not match the schema. */
export function parseJsonPayload<T>(schema: Schema<T>, payload: Buffer): T | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(payload.toString('utf8'));
  } catch {
    return undefined;
  }
  const r = schema.safeParse(raw);
  return r.ok ? r.value : undefined;
}
