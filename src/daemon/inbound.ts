/**
 * The gate every backend message passes before the sale machine sees it, in this order: size,
 * JWS structure and header, signature with a trusted key, payload schema and `typ`, audience and
 * time window, replay. The first failing check names the `rejected` reason. Nothing here throws
 * on input and nothing here changes state (the Device records the jti after a decision).
 *
 * Redelivery rule: a message whose jti was already processed is `replayed`, except an exact
 * redelivery by the broker (MQTT DUP flag set, same bytes) of a message that was accepted: that
 * one is acknowledged silently (no event, no signal), because it is the QoS 1 retry of a message
 * whose decision was already reported. The same bytes published again without DUP (a backend
 * re-sending until it sees an answer) are `replayed` with `same: true`: the acknowledgement.
 */
import { createHash } from 'node:crypto';
import { checkClaims, rememberUntilMs } from '../core/acceptance.js';
import { INBOUND_TOPICS, type InboundTopic } from '../link/topics.js';
import { JTI, ORDER_ID, SIGNED_SCHEMAS, type RejectReason, type SignedMessage } from '../link/contract.js';
import { verifyCompact, type KeyLookup } from '../payment/jws.js';
import type { ReplayCache } from '../payment/replay-cache.js';
import { claimDetail, clipDetail } from './event-detail.js';

export interface InboundContext {
  readonly deviceId: string;
  readonly keys: KeyLookup;
  readonly skewSec: number;
  readonly maxPayloadBytes: number;
  readonly replay: ReplayCache;
}

export type InboundDecision =
  | { readonly kind: 'reject'; readonly reason: RejectReason; readonly detail: string; readonly orderId?: string; readonly jti?: string; readonly same?: true }
  | { readonly kind: 'duplicate'; readonly jti: string }
  | { readonly kind: 'accept'; readonly message: SignedMessage; readonly jti: string; readonly digest: string; readonly rememberUntil: number };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** orderId and jti are given only once the signature verified (they are echoed on the event). */
function reject(reason: RejectReason, detail: string, orderId?: unknown, jti?: unknown): InboundDecision {
  return {
    kind: 'reject',
    reason,
    detail: clipDetail(detail),
    ...(typeof orderId === 'string' && ORDER_ID.test(orderId) ? { orderId } : {}),
    ...(typeof jti === 'string' && JTI.test(jti) ? { jti } : {}),
  };
}

/** The kid the (unverified) header names, for the words of an unknown_kid refusal only. */
function unknownKidDetail(token: string): string {
  let kid: unknown;
  try {
    kid = (JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')) as { kid?: unknown }).kid;
  } catch {
    kid = undefined;
  }
  if (typeof kid !== 'string' || !JTI.test(kid)) return 'the JWS header names no readable kid';
  return `kid "${kid}" is not in trust.backendKeys: add its public key to the device (the simulator: tillqr sim --trust KEY.pub.pem)`;
}

export function messageDigest(payload: Uint8Array): string {
  return createHash('sha256').update(payload).digest('base64url').slice(0, 22);
}

export function checkInbound(topic: InboundTopic, payload: Uint8Array, dup: boolean, nowMs: number, ctx: InboundContext): InboundDecision {
  if (payload.length > ctx.maxPayloadBytes) return reject('too_large', `${payload.length} bytes, the limit is ${ctx.maxPayloadBytes}`);
  let token: string;
  try {
    token = utf8.decode(payload);
  } catch {
    return reject('malformed', 'the message is not UTF-8 text');
  }
  const v = verifyCompact(token, ctx.keys);
  if (!v.ok) return reject(v.reason, v.reason === 'unknown_kid' ? unknownKidDetail(token) : v.detail);

  let body: unknown;
  try {
    body = JSON.parse(utf8.decode(v.payload));
  } catch {
    return reject('malformed', 'the signed payload is not JSON');
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return reject('malformed', 'the signed payload is not a JSON object');
  const fields = body as Record<string, unknown>;
  const typ = fields.typ;
  if (typ !== topic) {
    if (typeof typ === 'string' && (INBOUND_TOPICS as readonly string[]).includes(typ))
      return reject('wrong_type', `a "${typ}" message on the ${topic} topic`, fields.orderId, fields.jti);
    return reject('malformed', `typ must be "${topic}"`, fields.orderId, fields.jti);
  }
  const parsed = SIGNED_SCHEMAS[topic].safeParse(body);
  if (!parsed.ok) return reject('malformed', parsed.issues.map((i) => i.message).join('; '), fields.orderId, fields.jti);
  const message: SignedMessage = parsed.value;

  const claimCtx = { deviceId: ctx.deviceId, nowMs, skewSec: ctx.skewSec };
  const claimProblem = checkClaims(message, claimCtx);
  if (claimProblem !== undefined) return reject(claimProblem, claimDetail(claimProblem, message, claimCtx), message.orderId, message.jti);

  const digest = messageDigest(payload);
  const seen = ctx.replay.lookup(message.jti);
  if (seen.seen) {
    if (dup && seen.acceptedDigest === digest) return { kind: 'duplicate', jti: message.jti };
    // The same bytes published again (a backend re-sending until answered): `replayed` with `same`, its acknowledgement.
    if (seen.acceptedDigest === digest) {
      const r = reject(
        'replayed',
        `jti ${JSON.stringify(message.jti)} was already processed: the same message again (accepted and answered before), nothing changed`,
        message.orderId,
        message.jti,
      );
      return r.kind === 'reject' ? { ...r, same: true } : r;
    }
    return reject('replayed', `jti ${JSON.stringify(message.jti)} was already processed: give every message a new jti`, message.orderId, message.jti);
  }
  return { kind: 'accept', message, jti: message.jti, digest, rememberUntil: rememberUntilMs(message, ctx.skewSec) };
}
