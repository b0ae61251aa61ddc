/**
 * With --broker the simulator does not know which MQTT version the broker speaks: negotiate (MQTT 5,
 * or 3.1.1 when the broker refuses 5; src/link/negotiate.ts). A broker that cannot be reached at all
 * is a clear LINK_NOT_CONNECTED, naming the cause, before the daemon starts.
 */
import { randomUUID } from 'node:crypto';
import { connectNegotiated } from '../link/negotiate.js';

export interface ProbeOptions {
  readonly username?: string;
  readonly password?: string;
  readonly timeoutMs?: number;
}

const HINTS = {
  tls: 'the simulator connects without a CA file: use a broker whose certificate the system trusts, or mqtt://',
  login: 'the simulator connects without a user name: use a broker that allows anonymous loopback clients',
  unreachable: 'check --broker (host and port) and that the broker is running, or leave --broker out for the embedded one',
} as const;

export async function probeProtocolVersion(url: string, o: ProbeOptions = {}): Promise<4 | 5> {
  const { client, protocolVersion } = await connectNegotiated(
    url,
    {
      clientId: `tillqr-sim-probe-${randomUUID().slice(0, 8)}`,
      clean: true,
      connectTimeout: o.timeoutMs ?? 5000,
      ...(o.username !== undefined ? { username: o.username } : {}),
      ...(o.password !== undefined ? { password: o.password } : {}),
    },
    { protocol: 'auto', hints: HINTS },
  );
  await client.endAsync();
  return protocolVersion;
}
