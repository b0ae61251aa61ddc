/**
 * `tillqr backend charge|cancel|confirm`: act as the backend for one message, on the Backend
 * library (src/backend/backend.ts). Signs it with the
 * given Ed25519 key, publishes it to the device over the broker (QoS 1, the same bytes again every
 * 2 s until the device answers: decision 0012), waits for the device's answer on its events topic
 * and prints it as JSON. Exit 0 on the expected event (displayed, cancelled, paid or failed) or on
 * `replayed` with `same: true` (the device had accepted these very bytes before: a re-send with the
 * same --jti and --at), 1 when the device rejected the message, 69 when no answer came.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { EXIT, TillqrError } from '../core/errors.js';
import { Backend } from '../backend/backend.js';
import type { MessageBody } from '../link/backend-client.js';
import { cliHints, protocolFlag } from '../link/negotiate.js';
import { JTI, ORDER_ID, type EventType } from '../link/contract.js';
import type { InboundTopic } from '../link/topics.js';
import { parseEd25519PrivateKey } from '../payment/keys.js';
import { decimalString, maxAmount, minorUnits, parseMoney } from '../payment/money.js';
import { KID_PATTERN } from '../payment/trust-config.js';
import { intFlag, parse, required } from './args.js';
import type { CliIo } from './io.js';

const USAGE = `tillqr backend charge|cancel|confirm --broker URL --device ID --key KEY.pem --kid=KID
         [--order O] [--amount N] [--currency C] [--qr P] [--reference R] [--expires SEC]
         [--status succeeded|failed] [--wallet W] [--txn T] [--ttl SEC] [--timeout MS] [--jti J] [--at SEC]
         [--prefix P] [--username U] [--ca FILE] [--cert FILE] [--client-key FILE] [--mqtt3|--mqtt5] [--verbose]`;

const HELP = `usage: ${USAGE}

charge   show a sale: --amount as a customer reads it, in the currency's units ("1200" = ¥1,200,
         "12.50" = $12.50; sent as minor units: 1200, 1250), --currency (default JPY),
         --order (default a new id), --qr (else the device builds an EMV QR), --reference,
         --expires (seconds from now, default 300). Expects "displayed".
cancel   cancel the pending sale --order. Expects "cancelled".
confirm  the payment verdict for --order: --amount, --currency, --status (default succeeded),
         --wallet, --txn (provider transaction id, default txn-<jti>). Expects "paid" or "failed".

--ttl is the signed message's lifetime in seconds (default 300). --timeout is how long to wait for
the device's answer (default 10000 ms); the message is published again every 2 s until it comes
(a copy lost with a broker node is followed by the next; the device acts on one). --jti (default a
new UUID) and --at (the signing time in Unix seconds, default now; also paidAt and the base of
--expires) make the message again byte for byte: stderr prints them, and a confirmation sent again
with the same flags that the device had accepted is answered "replayed" with "same": true, which
exits 0 and says so. The same --jti with anything else changed is a replay (exit 1). The broker password, if any, is read from the environment
variable TILLQR_BACKEND_PASSWORD (never from the command line). The client speaks MQTT 5 and falls
back to MQTT 3.1.1 when the broker refuses 5 (the simulator's embedded broker); --mqtt3 or --mqtt5
pins one, --verbose says which was used. The device's event is printed on
stdout as JSON, a sentence on stderr. Exit 0: expected event, or the same message accepted before;
1: rejected (reason printed); 69: no answer.
`;

const OPTIONS = {
  broker: { type: 'string' },
  device: { type: 'string' },
  key: { type: 'string' },
  kid: { type: 'string' },
  order: { type: 'string' },
  amount: { type: 'string' },
  currency: { type: 'string' },
  qr: { type: 'string' },
  reference: { type: 'string' },
  expires: { type: 'string' },
  status: { type: 'string' },
  wallet: { type: 'string' },
  txn: { type: 'string' },
  ttl: { type: 'string' },
  timeout: { type: 'string' },
  jti: { type: 'string' },
  at: { type: 'string' },
  prefix: { type: 'string' },
  username: { type: 'string' },
  ca: { type: 'string' },
  cert: { type: 'string' },
  'client-key': { type: 'string' },
  mqtt3: { type: 'boolean' },
  mqtt5: { type: 'boolean' },
  verbose: { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

type Values = ReturnType<typeof parse<typeof OPTIONS>>['values'];

interface Plan {
  topic: InboundTopic;
  body: MessageBody;
  expect: EventType;
}

/**
 * --amount in the currency's units, as on the page, `render` and `emv encode`: "12.50" USD is 1250
 * minor units on the wire. A value that looks like minor units typed by habit gets a hint.
 */
export function amountFlag(text: string, currency: string): number {
  let n: number;
  try {
    n = parseMoney(text, currency);
  } catch (e) {
    throw new TillqrError('USAGE', `--amount ${JSON.stringify(text)}: ${(e as Error).message} (the amount as a customer reads it: "1200" JPY, "12.50" USD)`);
  }
  if (n < 1) throw new TillqrError('USAGE', `--amount ${JSON.stringify(text)}: the amount must be above zero`);
  const max = maxAmount(currency);
  if (n > max) throw new TillqrError('USAGE', `--amount ${JSON.stringify(text)}: at most ${decimalString(max, minorUnits(currency))} ${currency} (EMV tag 54)`);
  return n;
}

/** A note for stderr: what the amount means, and a hint when it looks like minor units typed by habit. */
export function amountNote(text: string, amount: number, currency: string): string {
  const d = minorUnits(currency);
  const shown = `${decimalString(amount, d)} ${currency} (${amount} minor units on the wire)`;
  const habit = d > 0 && !text.includes('.') && amount >= 1000 * 10 ** d;
  return habit
    ? `amount: ${shown}; if you meant ${decimalString(Number(text), d)} ${currency}, write --amount ${decimalString(Number(text), d)}`
    : `amount: ${shown}`;
}

function plan(cmd: string, v: Values, now: number, jti: string): Plan {
  const currency = v.currency ?? 'JPY';
  if (!/^[A-Z]{3}$/.test(currency)) throw new TillqrError('USAGE', `--currency ${JSON.stringify(currency)}: use an ISO 4217 code such as JPY`);
  const order = (fallback?: string): string => {
    const o = v.order ?? fallback;
    if (o === undefined) throw new TillqrError('USAGE', `--order is required for ${cmd}\nusage: ${USAGE}`);
    if (!ORDER_ID.test(o)) throw new TillqrError('USAGE', `--order ${JSON.stringify(o)}: 1-64 letters, digits, ".", "_", ":" or "-"`);
    return o;
  };
  const amount = (): number => amountFlag(required(v.amount, '--amount', USAGE), currency);
  switch (cmd) {
    case 'charge': {
      const expires = intFlag(v.expires, '--expires', { min: 1, max: 86_400 }) ?? 300;
      return {
        topic: 'charge',
        expect: 'displayed',
        body: {
          typ: 'charge',
          orderId: order(`ORD-${randomUUID().slice(0, 8)}`),
          amount: amount(),
          currency,
          ...(v.qr !== undefined ? { qr: v.qr } : {}),
          ...(v.reference !== undefined ? { reference: v.reference } : {}),
          expiresAt: now + expires,
        },
      };
    }
    case 'cancel':
      return { topic: 'cancel', expect: 'cancelled', body: { typ: 'cancel', orderId: order() } };
    case 'confirm': {
      const status = v.status ?? 'succeeded';
      if (status !== 'succeeded' && status !== 'failed') throw new TillqrError('USAGE', `--status must be succeeded or failed, not ${JSON.stringify(status)}`);
      return {
        topic: 'payment',
        expect: status === 'succeeded' ? 'paid' : 'failed',
        body: {
          typ: 'payment',
          orderId: order(),
          amount: amount(),
          currency,
          status,
          ...(v.wallet !== undefined ? { wallet: v.wallet } : {}),
          providerTxnId: v.txn ?? `txn-${jti}`,
          paidAt: now,
        },
      };
    }
    default:
      throw new TillqrError('USAGE', `unknown backend command ${JSON.stringify(cmd)}\nusage: ${USAGE}`);
  }
}

export async function run(argv: string[], io: CliIo): Promise<number> {
  const [cmd, ...rest] = argv;
  const { values: v } = parse(rest, OPTIONS, USAGE);
  if (cmd === undefined || cmd === '--help' || cmd === 'help' || v.help === true) {
    io.stdout(HELP);
    return cmd === undefined ? EXIT.USAGE : EXIT.OK;
  }
  const broker = required(v.broker, '--broker', USAGE);
  const deviceId = required(v.device, '--device', USAGE);
  const kid = required(v.kid, '--kid', USAGE);
  if (!KID_PATTERN.test(kid)) throw new TillqrError('USAGE', `--kid ${JSON.stringify(kid)} is not a key id`);
  const keyPath = resolve(io.cwd, required(v.key, '--key', USAGE));
  let pem: string;
  try {
    pem = await readFile(keyPath, 'utf8');
  } catch (e) {
    throw new TillqrError('USAGE', `cannot read --key ${keyPath}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const key = parseEd25519PrivateKey(pem);
  const jti = v.jti ?? randomUUID();
  if (!JTI.test(jti)) throw new TillqrError('USAGE', `--jti ${JSON.stringify(jti)} is not a message id (docs/protocol.md: jti)`);
  const now = intFlag(v.at, '--at', { min: 1, max: 99_999_999_999 }) ?? Math.floor(Date.now() / 1000);
  const p = plan(cmd, v, now, jti);
  const ttlSec = intFlag(v.ttl, '--ttl', { min: 1, max: 86_400 }) ?? 300;
  const timeoutMs = intFlag(v.timeout, '--timeout', { min: 1, max: 600_000 }) ?? 10_000;

  const password = io.env.TILLQR_BACKEND_PASSWORD;
  const backend = await Backend.connect({
    url: broker,
    privateKey: key,
    kid,
    protocol: protocolFlag(v.mqtt3, v.mqtt5),
    hints: cliHints({ passwordEnv: 'TILLQR_BACKEND_PASSWORD', urlFlag: '--broker' }),
    ...(v.verbose === true ? { note: (line: string) => io.stderr(`${line}\n`) } : {}),
    ...(v.prefix !== undefined ? { topicPrefix: v.prefix } : {}),
    ...(v.username !== undefined ? { username: v.username } : {}),
    ...(password !== undefined && password !== '' ? { password } : {}),
    ...(v.ca !== undefined ? { caFile: resolve(io.cwd, v.ca) } : {}),
    ...(v.cert !== undefined ? { certFile: resolve(io.cwd, v.cert) } : {}),
    ...(v['client-key'] !== undefined ? { keyFile: resolve(io.cwd, v['client-key']) } : {}),
  });
  try {
    if ('amount' in p.body && v.amount !== undefined) io.stderr(`${amountNote(v.amount, p.body.amount, p.body.currency)}\n`);
    io.stderr(
      `publishing ${p.topic} for order ${p.body.orderId} to ${deviceId} (to send it again byte for byte: --jti ${jti} --at ${now}); waiting for "${p.expect}"\n`,
    );
    const decision = backend.send(deviceId, p.topic, p.body, p.expect, { timeoutMs, ttlSec, jti, issuedAt: now });
    decision.catch(() => undefined); // observed below; this only keeps an abandoned wait from being unhandled
    const interrupted = io.interrupted?.then((): 'interrupted' => 'interrupted');
    const d = await (interrupted ? Promise.race([decision, interrupted]) : decision);
    if (d === 'interrupted') return EXIT.FAILURE;
    io.stdout(`${JSON.stringify(d.event)}\n`);
    const what = p.topic === 'payment' ? 'confirmation' : p.topic;
    if (d.already) {
      io.stderr(`the device had already accepted this very ${what} (jti ${jti}) and answered it then: nothing changed, nothing signalled again\n`);
      return EXIT.OK;
    }
    if (d.event.type === 'rejected') {
      io.stderr(`the device rejected the message: ${d.event.reason ?? 'no reason given'}${d.event.detail !== undefined ? `: ${d.event.detail}` : ''}\n`);
      return EXIT.FAILURE;
    }
    io.stderr(`the device accepted the ${what}: ${d.event.type}\n`);
    return EXIT.OK;
  } finally {
    await backend.close();
  }
}
