/**
 * Verify a fleet document (desired config or update job): JWS compact with EdDSA, a kid from the
 * given key ring only (fleet keys for config, release keys for updates: the caller passes the
 * right ring, so a backend key is never enough), a JSON payload matching the schema, and a time
 * window (unless `checkTime` is false: a document accepted earlier and verified again at start
 * keeps its signature, kid and schema checks but not its freshness). Never throws on input.
 */
import type { Schema } from '../core/schema.js';
import { verifyCompact, type JwsFailure, type KeyLookup } from '../payment/jws.js';

export type DocFailure = JwsFailure | 'wrong_type' | 'expired' | 'not_yet_valid';

export type DocResult<T> =
  | {
      readonly ok: true;
      readonly doc: T;
      readonly kid: string;
      /** The compact JWS as received (trimmed), to keep and verify again later. */ readonly token: string;
    }
  | { readonly ok: false; readonly reason: DocFailure; readonly detail: string; readonly partial?: Record<string, unknown> };

const utf8 = new TextDecoder('utf-8', { fatal: true });

export interface DocCheck<T> {
  readonly keys: KeyLookup;
  readonly schema: Schema<T>;
  /** The payload's `typ`. */
  readonly typ: string;
  readonly nowSec: number;
  readonly skewSec: number;
  /** Largest accepted token, in bytes. */
  readonly maxBytes: number;
  /** Check iat/exp against nowSec (default true). */
  readonly checkTime?: boolean;
}

export function verifyDoc<T extends { iat: number; exp?: number | undefined }>(payload: Uint8Array, c: DocCheck<T>): DocResult<T> {
  if (payload.length > c.maxBytes) return { ok: false, reason: 'malformed', detail: `${payload.length} bytes, the limit is ${c.maxBytes}` };
  let token: string;
  try {
    token = utf8.decode(payload).trim();
  } catch {
    return { ok: false, reason: 'malformed', detail: 'not UTF-8 text' };
  }
  const v = verifyCompact(token, c.keys);
  if (!v.ok) return { ok: false, reason: v.reason, detail: v.detail };
  let body: unknown;
  try {
    body = JSON.parse(utf8.decode(v.payload));
  } catch {
    return { ok: false, reason: 'malformed', detail: 'the signed payload is not JSON' };
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    return { ok: false, reason: 'malformed', detail: 'the signed payload is not a JSON object' };
  const fields = body as Record<string, unknown>;
  if (fields.typ !== c.typ) return { ok: false, reason: 'wrong_type', detail: `typ must be "${c.typ}"`, partial: fields };
  const parsed = c.schema.safeParse(body);
  if (!parsed.ok)
    return {
      ok: false,
      reason: 'malformed',
      detail: parsed.issues
        .map((i) => i.message)
        .join('; ')
        .slice(0, 400),
      partial: fields,
    };
  const doc = parsed.value;
  if (c.checkTime === false) return { ok: true, doc, kid: v.kid, token };
  if (doc.iat > c.nowSec + c.skewSec) return { ok: false, reason: 'not_yet_valid', detail: 'iat is in the future', partial: fields };
  if (doc.exp !== undefined && doc.exp < c.nowSec - c.skewSec) return { ok: false, reason: 'expired', detail: 'exp has passed', partial: fields };
  return { ok: true, doc, kid: v.kid, token };
}
