/**
 * The reference part of docs/protocol.md, rendered from the contract: topics, every payload's
 * fields, event types, rejection reasons and an example of each message. A test compares it with
 * the file, so the document cannot drift from the code.
 */
import type { Schema } from '../core/schema.js';
import { FLEET_TOPICS } from './contract-fleet.js';
import {
  EVENT_DOCS,
  EVENT_TYPES,
  REJECT_REASONS,
  TOPICS,
  type CancelMessage,
  type ChargeMessage,
  type DeviceEvent,
  type DeviceStatus,
  type PaymentMessage,
} from './contract.js';

export const GENERATED_BEGIN = '<!-- generated from src/link/contract.ts by src/link/protocol-doc.ts: do not edit by hand -->';
export const GENERATED_END = '<!-- end of generated part -->';

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** What a field takes, with the bounds of every number (and of each item of a list of numbers). */
function valueText(s: Schema<unknown>): string {
  const j = s.item?.json.type === 'integer' ? s.item.json : s.json;
  if (j.type !== 'integer' || j.minimum === undefined || j.maximum === undefined || s.expected.includes(String(j.maximum))) return s.expected;
  const each = s.item !== undefined ? 'each ' : '';
  // No declared maximum: the largest integer every JSON parser keeps exactly.
  if (j.maximum === Number.MAX_SAFE_INTEGER) return `${s.expected}; ${each}at most 2^53 − 1`;
  return `${s.expected}; ${each}${j.minimum} to ${j.maximum}`;
}

function fieldTable(schema: Schema<unknown>): string {
  const rows = Object.entries(schema.shape ?? {}).map(
    ([name, s]) => `| \`${name}\` | ${s.meta.optional ? 'no' : 'yes'} | ${cell(valueText(s))} | ${cell(s.meta.doc ?? '')} |`,
  );
  return ['| field | required | value | meaning |', '|---|---|---|---|', ...rows].join('\n');
}

const NOW = 1_767_258_000;

/** One example per topic; the test checks each against its schema. */
export const EXAMPLES: {
  readonly charge: ChargeMessage;
  readonly cancel: CancelMessage;
  readonly payment: PaymentMessage;
  readonly events: DeviceEvent;
  readonly status: DeviceStatus;
} = {
  charge: {
    typ: 'charge',
    orderId: 'ORD-20260101-0042',
    amount: 1200,
    currency: 'JPY',
    reference: 'Table 4',
    expiresAt: NOW + 300,
    aud: 'till-shibuya-01',
    iat: NOW,
    exp: NOW + 300,
    jti: '5d7c1e9a-0b6e-4f1e-9a55-0c2f8f0d2b11',
  },
  cancel: { typ: 'cancel', orderId: 'ORD-20260101-0042', aud: 'till-shibuya-01', iat: NOW + 10, exp: NOW + 310, jti: 'b3e0f0c4-2f0e-4d7c-8d6b-6a1a9f4e8c22' },
  payment: {
    typ: 'payment',
    orderId: 'ORD-20260101-0042',
    amount: 1200,
    currency: 'JPY',
    status: 'succeeded',
    wallet: 'PayPay',
    providerTxnId: 'pp_01HZX3K9',
    paidAt: NOW + 42,
    aud: 'till-shibuya-01',
    iat: NOW + 43,
    exp: NOW + 343,
    jti: '0f4d2b7e-5c1a-4e8b-b9d3-7e6f1a2c3d44',
  },
  events: { type: 'paid', orderId: 'ORD-20260101-0042', at: NOW + 43, jti: '0f4d2b7e-5c1a-4e8b-b9d3-7e6f1a2c3d44' },
  status: { online: true, state: 'charge', version: '0.1.0', since: NOW },
};

export function renderProtocolReference(): string {
  const out: string[] = [
    GENERATED_BEGIN,
    '',
    '## Topics',
    '',
    'Every topic is `<mqtt.topicPrefix>/<deviceId>/<name>` (default prefix `tillqr/v1`). All are QoS 1.',
    '',
  ];
  out.push('| topic | direction | signed | retained | what |', '|---|---|---|---|---|');
  for (const t of TOPICS)
    out.push(`| \`${t.name}\` | ${t.direction} | ${t.signed ? 'JWS EdDSA' : 'no (JSON)'} | ${t.retained ? 'yes' : 'no'} | ${cell(t.summary)} |`);
  for (const t of TOPICS) {
    out.push('', `## \`${t.name}\` payload`, '');
    if (t.signed) out.push('The JWS payload is this JSON object (compact serialization, header `{"alg":"EdDSA","kid":"<kid>"}`):', '');
    out.push(
      fieldTable(t.schema),
      '',
      'Example' + (t.signed ? ' (the JSON inside the JWS)' : '') + ':',
      '',
      '```json',
      JSON.stringify(EXAMPLES[t.name]),
      '```',
    );
  }
  out.push('', '## Event types', '', '| type | when |', '|---|---|');
  for (const e of EVENT_TYPES) out.push(`| \`${e}\` | ${cell(EVENT_DOCS[e])} |`);
  out.push('', '## Rejection reasons (`rejected` events)', '', '| reason | why |', '|---|---|');
  for (const [r, why] of Object.entries(REJECT_REASONS)) out.push(`| \`${r}\` | ${cell(why)} |`);
  out.push(
    '',
    '## Fleet topics',
    '',
    'Desired configuration, software updates and chunked transfer (see "Fleet: configuration and updates" above for the flow).',
    '',
  );
  out.push('| topic | direction | signed by | retained | what |', '|---|---|---|---|---|');
  for (const t of FLEET_TOPICS) out.push(`| \`${t.pattern}\` | ${t.direction} | ${t.signedBy} | ${t.retained ? 'yes' : 'no'} | ${cell(t.summary)} |`);
  for (const t of FLEET_TOPICS) out.push('', `## \`${t.name}\` payload`, '', fieldTable(t.schema));
  out.push('', GENERATED_END);
  return out.join('\n') + '\n';
}

/** Replace the generated part of a document (or append it when the markers are missing). */
export function spliceGenerated(doc: string, generated: string): string {
  const a = doc.indexOf(GENERATED_BEGIN);
  const b = doc.indexOf(GENERATED_END);
  if (a < 0 || b < a) return `${doc.trimEnd()}\n\n${generated}`;
  return doc.slice(0, a) + generated + doc.slice(b + GENERATED_END.length + 1);
}
