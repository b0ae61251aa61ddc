/**
 * The console's program mode: one JSON object per line each way.
 *
 *   request   {"id":"7","cmd":"set","args":["display.rotation","90"]}
 *   response  {"id":"7","ok":true,"data":...}   or   {"id":"7","ok":false,"error":{"code":"...","message":"..."}}
 *
 * `cmd` may hold several words ("mqtt test"); they are put before `args`. Responses are pure
 * ASCII (other characters as \u escapes) so no byte of them can be mistaken for a control byte
 * or an Improv header on the wire.
 */
import { TillqrError } from '../core/errors.js';
import { array, int, object, string, union, type Schema } from '../core/schema.js';

export type RequestId = string | number;

export interface JsonRequest {
  readonly id: RequestId;
  /** Command words followed by the arguments. */
  readonly words: readonly string[];
}

export type JsonResponse =
  | { readonly id: RequestId | null; readonly ok: true; readonly data: unknown }
  | { readonly id: RequestId | null; readonly ok: false; readonly error: { readonly code: string; readonly message: string } };

const idSchema: Schema<RequestId> = union<RequestId>('a request id: a string of 1-64 characters or a whole number', (v) =>
  typeof v === 'number' ? int({ min: 0, max: Number.MAX_SAFE_INTEGER }) : typeof v === 'string' ? string({ min: 1, max: 64 }) : undefined,
);

export const requestSchema = object({
  id: idSchema,
  cmd: string({ min: 1, max: 64, pattern: /^[a-z][a-z -]*$/, expected: 'a command name such as "status" or "mqtt test"' }),
  args: array(string(), { max: 16 }).optional(),
});

export type ParsedRequest = { ok: true; request: JsonRequest } | { ok: false; id: RequestId | null; error: TillqrError };

export function parseRequest(text: string): ParsedRequest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return { ok: false, id: null, error: new TillqrError('CONSOLE_BAD_COMMAND', `not a JSON line: ${(e as Error).message}`) };
  }
  const r = requestSchema.safeParse(raw);
  if (!r.ok) {
    const maybeId = raw !== null && typeof raw === 'object' ? (raw as Record<string, unknown>).id : undefined;
    const id = idSchema.safeParse(maybeId);
    return { ok: false, id: id.ok ? id.value : null, error: new TillqrError('CONSOLE_BAD_COMMAND', r.issues.map((i) => i.message).join('; ')) };
  }
  const words = [...r.value.cmd.trim().split(/\s+/), ...(r.value.args ?? [])];
  return { ok: true, request: { id: r.value.id, words } };
}

export function encodeRequest(id: RequestId, cmd: string, args: readonly string[] = []): string {
  return asciiJson(args.length > 0 ? { id, cmd, args } : { id, cmd });
}

export function okResponse(id: RequestId | null, data: unknown): string {
  return asciiJson({ id, ok: true, data: data ?? null });
}

export function errorResponse(id: RequestId | null, code: string, message: string): string {
  return asciiJson({ id, ok: false, error: { code, message } });
}

/** Read a response line (the technician CLI and tests); undefined when the line is not one. */
export function parseResponse(text: string): JsonResponse | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const o = raw as Record<string, unknown>;
  const id = o.id === null || typeof o.id === 'string' || typeof o.id === 'number' ? o.id : undefined;
  if (id === undefined) return undefined;
  if (o.ok === true) return { id, ok: true, data: o.data };
  if (o.ok === false && o.error !== null && typeof o.error === 'object') {
    const e = o.error as Record<string, unknown>;
    if (typeof e.code === 'string' && typeof e.message === 'string') return { id, ok: false, error: { code: e.code, message: e.message } };
  }
  return undefined;
}

/** JSON with every character above 0x7e written as a \u escape. */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
