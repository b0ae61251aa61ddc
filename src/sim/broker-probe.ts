/**
 * With --broker the simulator does not know which MQTT version the broker speaks: try MQTT 5,
 * and fall back to 3.1.1 when the broker refuses the protocol version (aedes, older brokers).
 * A broker that cannot be reached at all is a clear LINK_NOT_CONNECTED before the daemon starts.
 */
import { randomUUID } from 'node:crypto';
import mqtt from 'mqtt';
import { TillqrError } from '../core/errors.js';

export interface ProbeOptions {
  readonly username?: string;
  readonly password?: string;
  readonly timeoutMs?: number;
}

export async function probeProtocolVersion(url: string, o: ProbeOptions = {}): Promise<4 | 5> {
  let firstError: Error | undefined;
  for (const protocolVersion of [5, 4] as const) {
    try {
      const c = await mqtt.connectAsync(url, {
        protocolVersion,
        clientId: `tillqr-sim-probe-${randomUUID().slice(0, 8)}`,
        clean: true,
        reconnectPeriod: 0,
        connectTimeout: o.timeoutMs ?? 5000,
        ...(o.username !== undefined ? { username: o.username } : {}),
        ...(o.password !== undefined ? { password: o.password } : {}),
      });
      await c.endAsync();
      return protocolVersion;
    } catch (e) {
      const err = e as Error & { code?: unknown };
      firstError ??= err;
      // Only a refused protocol version is worth another try with 3.1.1.
      if (protocolVersion === 5 && /protocol version|unsupported protocol/i.test(err.message)) continue;
      throw new TillqrError('LINK_NOT_CONNECTED', `cannot connect to the broker at ${url}: ${err.message}`, { url }, { cause: e });
    }
  }
  throw new TillqrError('LINK_NOT_CONNECTED', `cannot connect to the broker at ${url}: ${firstError?.message ?? 'unknown error'}`, { url });
}
