/**
 * Reads a message some client published to one of the device's inbound topics (charge, cancel,
 * payment), for the simulator page's log and "Current sale" card. It only decodes the JWS payload
 * to say what the message claims: it verifies nothing (the device is the judge, and says so in
 * its events), and never throws on what it cannot read.
 */
import type { Schema } from '../core/schema.js';
import { SIGNED_SCHEMAS, type ChargeMessage, type SignedMessage } from '../link/contract.js';
import { parseJsonPayload } from '../link/json-payload.js';
import type { InboundTopic } from '../link/topics.js';
import { b64urlDecode } from '../payment/jws.js';

export interface InboundSeen {
  readonly topic: InboundTopic;
  readonly summary: string;
  readonly orderId?: string;
  /** Present for a readable charge. */
  readonly charge?: ChargeMessage;
}

export function readInbound(topic: InboundTopic, payload: Buffer): InboundSeen {
  const parts = payload.toString('utf8').split('.');
  const body = parts.length === 3 ? b64urlDecode(parts[1] ?? '') : undefined;
  const msg = body !== undefined ? parseJsonPayload(SIGNED_SCHEMAS[topic] as Schema<SignedMessage>, body) : undefined;
  if (msg === undefined) return { topic, summary: `unreadable ${topic} message (${payload.length} bytes)` };
  switch (msg.typ) {
    case 'charge':
      return {
        topic,
        orderId: msg.orderId,
        charge: msg,
        summary: `charge ${msg.amount} ${msg.currency} (QR by ${msg.qr !== undefined ? 'backend' : 'device'})`,
      };
    case 'cancel':
      return { topic, orderId: msg.orderId, summary: 'cancel' };
    case 'payment':
      return { topic, orderId: msg.orderId, summary: `payment ${msg.status}${msg.wallet !== undefined ? ` via ${msg.wallet}` : ''}` };
  }
}
