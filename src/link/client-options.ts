/**
 * The MQTT.js options every connection of a device shares (payment link, fleet channel, the
 * console's `mqtt test`): protocol, keepalive, credentials and TLS material from config. Each
 * caller adds its own client id, session and subscriptions.
 */
import { readFileSync } from 'node:fs';
import type { IClientOptions } from 'mqtt';
import { TillqrError } from '../core/errors.js';
import type { MqttConfig } from './mqtt-link.js';

function readPem(path: string, key: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new TillqrError('CONFIG_INVALID', `${key}: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { key, path });
  }
}

export function baseClientOptions(m: MqttConfig, clientId: string): IClientOptions {
  const opts: IClientOptions = {
    protocolVersion: m.protocolVersion,
    clientId,
    keepalive: m.keepaliveSec,
    reconnectPeriod: 0,
    connectTimeout: 15_000,
    resubscribe: false,
    rejectUnauthorized: m.rejectUnauthorized,
    // MQTT.js otherwise keeps a table of 65,536 pre-encoded numbers (6.6 MB of heap) per process.
    writeCache: false,
  };
  if (m.username !== undefined) opts.username = m.username;
  if (m.password !== undefined) opts.password = m.password;
  if (m.caFile !== undefined) opts.ca = readPem(m.caFile, 'mqtt.caFile');
  if (m.certFile !== undefined) opts.cert = readPem(m.certFile, 'mqtt.certFile');
  if (m.keyFile !== undefined) opts.key = readPem(m.keyFile, 'mqtt.keyFile');
  return opts;
}

/** The brokers to try, in order: mqtt.urls when set, else mqtt.url. */
export function brokerUrls(m: Pick<MqttConfig, 'url' | 'urls'>): [string, ...string[]] {
  const [first, ...rest] = m.urls;
  return first !== undefined ? [first, ...rest] : [m.url];
}

const DEFAULT_PORTS: Readonly<Record<string, number>> = { mqtt: 1883, mqtts: 8883, ws: 80, wss: 443 };

/**
 * MQTT.js's `servers` option for several brokers (it moves to the next one each time it opens a
 * connection); nothing for one. The TLS material and credentials are the same for all.
 */
export function serversOption(m: Pick<MqttConfig, 'url' | 'urls'>): Pick<IClientOptions, 'servers'> {
  const urls = brokerUrls(m);
  if (urls.length < 2) return {};
  return {
    servers: urls.map((u) => {
      const x = new URL(u);
      const protocol = x.protocol.slice(0, -1) as 'mqtt' | 'mqtts' | 'ws' | 'wss';
      return { host: x.hostname, port: x.port === '' ? (DEFAULT_PORTS[protocol] ?? 1883) : Number(x.port), protocol };
    }),
  };
}
