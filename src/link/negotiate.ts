/**
 * How every client command connects (`tillqr backend`, `tillqr fleet`, the simulator's probe, the
 * console's `mqtt test`): MQTT 5 first and MQTT 3.1.1 only when the broker refuses version 5
 * (aedes, older brokers), unless the caller pins a version. A connection that fails becomes one
 * LINK_NOT_CONNECTED error whose message names the real cause (protocol, TLS, login, unreachable)
 * and the flag or setting that fixes it (decision 0010).
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { TillqrError } from '../core/errors.js';
import { brokerLabel } from './mqtt-link.js';

/** 'auto' negotiates; 4 (3.1.1) or 5 pins the version. */
export type ProtocolChoice = 'auto' | 4 | 5;
export type ConnectCause = 'protocol' | 'tls' | 'login' | 'unreachable' | 'refused';

/** What to tell the user for each cause: the flag, setting or environment variable that fixes it. */
export type CauseHints = Partial<Record<ConnectCause, string>>;

export const PROTOCOL_NAMES: Readonly<Record<4 | 5, string>> = { 4: 'MQTT 3.1.1', 5: 'MQTT 5' };

/**
 * The code of a connection the broker accepted at TCP level and then closed without a CONNACK:
 * what a broker does with a CONNECT of a version it does not speak (RabbitMQ before 3.13 with
 * MQTT 5), so negotiation falls back to 3.1.1 on it too (decision 0012).
 */
export const CLOSED_WITHOUT_CONNACK = 'EMQTT_NO_CONNACK';

const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|CERT_|DEPTH_ZERO_|SELF_SIGNED_|UNABLE_TO_(GET|VERIFY)_|EPROTO$|HOSTNAME_MISMATCH)/;
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EAI_AGAIN', 'ECONNRESET', 'EPIPE']);

/**
 * The cause of a failed connect from MQTT.js's error: a CONNACK refusal has a numeric code
 * (3.1.1 return codes 1-5, MQTT 5 reason codes 128-159), a socket or TLS failure a string code.
 */
export function connectCause(e: unknown): ConnectCause {
  const err = e as { code?: unknown; message?: unknown } | undefined;
  const code = err?.code;
  const message = typeof err?.message === 'string' ? err.message : '';
  if (typeof code === 'number') {
    if (code === 1 || code === 132) return 'protocol';
    if (code === 4 || code === 5 || code === 134 || code === 135 || code === 140) return 'login';
    return 'refused';
  }
  if (typeof code === 'string' && TLS_CODES.test(code)) return 'tls';
  if (/certificate|self[- ]signed|ssl|tls/i.test(message)) return 'tls';
  if (/protocol version|unsupported protocol/i.test(message)) return 'protocol';
  if (code === CLOSED_WITHOUT_CONNACK) return 'protocol';
  if (/bad user ?name or password|not authori[sz]ed/i.test(message)) return 'login';
  if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) return 'unreachable';
  return 'unreachable';
}

const CAUSE_TEXT: Readonly<Record<ConnectCause, string>> = {
  protocol: 'the broker refused the MQTT protocol version',
  tls: 'the TLS handshake failed',
  login: 'the broker refused the login',
  unreachable: 'the broker cannot be reached',
  refused: 'the broker refused the connection',
};

/** One error that names the cause and the fix. */
export function connectError(e: unknown, url: string, hints: CauseHints, tried?: 4 | 5): TillqrError {
  const cause = connectCause(e);
  const raw = e instanceof Error ? e.message : String(e);
  const hint = hints[cause];
  const version = tried !== undefined && cause !== 'unreachable' && cause !== 'tls' ? ` (${PROTOCOL_NAMES[tried]})` : '';
  return new TillqrError(
    'LINK_NOT_CONNECTED',
    `cannot connect to the broker at ${brokerLabel(url)}: ${CAUSE_TEXT[cause]}${version}: ${raw}${hint !== undefined ? `; ${hint}` : ''}`,
    { broker: brokerLabel(url), cause },
    { cause: e },
  );
}

/** One connect attempt that resolves on CONNACK and rejects with the first real error (not "connection closed"). */
export function connectOnce(url: string, opts: IClientOptions): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, { ...opts, reconnectPeriod: 0 });
    let lastError: Error | undefined;
    let opened = false;
    const stream = client.stream as { once?: (event: string, cb: () => void) => unknown } | undefined;
    stream?.once?.(url.startsWith('mqtts:') || url.startsWith('wss:') ? 'secureConnect' : 'connect', () => (opened = true));
    const timeoutMs = opts.connectTimeout ?? 10_000;
    const done = (err: Error | undefined): void => {
      clearTimeout(timer);
      client.off('connect', onConnect);
      client.off('error', onError);
      client.off('close', onClose);
      if (err === undefined) {
        client.on('error', () => undefined);
        resolve(client);
        return;
      }
      client.on('error', () => undefined);
      client.end(true);
      reject(err);
    };
    const onConnect = (): void => done(undefined);
    const onError = (e: Error): void => {
      lastError = e;
      // A CONNACK refusal or a TLS failure is final; a socket error is followed by close.
      if (typeof (e as { code?: unknown }).code === 'number') done(e);
    };
    const onClose = (): void =>
      done(
        lastError ??
          (opened
            ? Object.assign(
                new Error('the broker closed the connection without answering the CONNECT (as brokers do with an MQTT version they do not speak)'),
                { code: CLOSED_WITHOUT_CONNACK },
              )
            : Object.assign(new Error('the connection closed before the broker answered'), { code: 'ECONNRESET' })),
      );
    const timer = setTimeout(() => done(lastError ?? Object.assign(new Error(`no CONNACK within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })), timeoutMs + 500);
    client.on('connect', onConnect);
    client.on('error', onError);
    client.on('close', onClose);
  });
}

export interface NegotiateOptions {
  readonly protocol: ProtocolChoice;
  readonly hints: CauseHints;
  /** Told which version was used and why (the CLI prints it with --verbose). */
  readonly note?: (line: string) => void;
}

export interface Negotiated {
  readonly client: MqttClient;
  readonly protocolVersion: 4 | 5;
}

/** Connect with MQTT 5, falling back to 3.1.1 when (and only when) the broker refuses version 5. */
export async function connectNegotiated(url: string, opts: Omit<IClientOptions, 'protocolVersion'>, o: NegotiateOptions): Promise<Negotiated> {
  const order: readonly (4 | 5)[] = o.protocol === 'auto' ? [5, 4] : [o.protocol];
  let tried: 4 | 5 | undefined;
  for (const v of order) {
    try {
      const client = await connectOnce(url, { ...opts, protocolVersion: v });
      o.note?.(`connected to ${brokerLabel(url)} with ${PROTOCOL_NAMES[v]}${tried !== undefined ? ` (the broker refused ${PROTOCOL_NAMES[tried]})` : ''}`);
      return { client, protocolVersion: v };
    } catch (e) {
      if (v === 5 && order.length > 1 && connectCause(e) === 'protocol') {
        o.note?.(`${brokerLabel(url)} refused MQTT 5 (${(e as Error).message}); trying MQTT 3.1.1`);
        tried = v;
        continue;
      }
      throw connectError(e, url, o.hints, v);
    }
  }
  throw new TillqrError('INTERNAL', 'no MQTT protocol version to try');
}

/** The usual hints of a command-line client: its TLS, login and protocol flags. */
export function cliHints(o: { passwordEnv: string; caFlag?: string; urlFlag: string }): CauseHints {
  return {
    protocol: 'without --mqtt5 the client falls back to MQTT 3.1.1 by itself; --mqtt3 pins 3.1.1',
    tls: `give the broker's CA certificate with ${o.caFlag ?? '--ca FILE'}, or check that ${o.urlFlag} uses mqtts:// only for a TLS port`,
    login: `check --username and ${o.passwordEnv} (the password)`,
    unreachable: `check ${o.urlFlag} (host and port) and that the broker is running`,
    refused: `check ${o.urlFlag} and the broker's log`,
  };
}

/** --mqtt3 / --mqtt5 flags as a ProtocolChoice. */
export function protocolFlag(mqtt3: boolean | undefined, mqtt5: boolean | undefined): ProtocolChoice {
  if (mqtt3 === true && mqtt5 === true) throw new TillqrError('USAGE', 'give at most one of --mqtt3 and --mqtt5');
  return mqtt3 === true ? 4 : mqtt5 === true ? 5 : 'auto';
}
