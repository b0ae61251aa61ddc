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
