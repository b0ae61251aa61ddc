/**
 * The daemon as the reliability runs drive it: startDaemon on simulated hardware, provisioned
 * with a fresh backend key against a real Mosquitto, a backend on the same broker, and the wait
 * until the device is online. `close()` undoes it all (the broker is the caller's).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../../src/core/clock.js';
import { memorySink } from '../../src/core/logger.js';
import type { Device } from '../../src/daemon/device.js';
import { startDaemon, type Daemon, type SimParts } from '../../src/main.js';
import type { Mosquitto } from '../../test/helpers/mosquitto.js';
import { backendKey, EventBackend, rawDeviceConfig, type BackendKey } from './backend.js';

export interface DaemonRig {
  readonly dir: string;
  readonly deviceId: string;
  readonly key: BackendKey;
  readonly sink: ReturnType<typeof memorySink>;
  readonly daemon: Daemon;
  readonly device: Device;
  readonly sim: SimParts;
  readonly backend: EventBackend;
  /** Close the backend, stop the daemon (with `stop` when it needs fake time driven) and remove the directory. */
  close(stop?: (stopping: Promise<void>) => Promise<void>): Promise<void>;
}

export async function startDaemonRig(o: {
  readonly broker: Mosquitto;
  readonly deviceId: string;
  /** Config beside the provisioned basics (display, sale, console, signal, ...). */
  readonly extra?: Record<string, unknown>;
  readonly clock?: Clock;
  /** Log lines kept in memory. */
  readonly logLines: number;
  /** Events the backend keeps. */
  readonly keepEvents: number;
}): Promise<DaemonRig> {
  const dir = await mkdtemp(join(tmpdir(), `tillqr-${o.deviceId}-`));
  const key = backendKey();
  const configPath = join(dir, 'config.json');
  await writeFile(
    configPath,
    JSON.stringify({ ...rawDeviceConfig({ deviceId: o.deviceId, url: o.broker.url, key, stateDir: join(dir, 'state') }), ...o.extra }),
  );
  const sink = memorySink(o.logLines);
  const daemon = await startDaemon({ configPath, env: {}, logSink: sink, ...(o.clock !== undefined ? { clock: o.clock } : {}) });
  const backend = await EventBackend.connect(o.broker.url, o.deviceId, { keep: o.keepEvents });
  const close = async (stop: (stopping: Promise<void>) => Promise<void> = (p) => p): Promise<void> => {
    await backend.close().catch(() => undefined);
    await stop(daemon.stop());
    await rm(dir, { recursive: true, force: true });
  };
  const { device, sim } = daemon;
  try {
    if (device === undefined || sim === undefined) throw new Error('the daemon did not start a simulated, provisioned device');
    const until = Date.now() + 15_000;
    while (device.saleState.link.kind !== 'online') {
      if (Date.now() > until) throw new Error('the daemon did not connect');
      await new Promise((r) => setTimeout(r, 10));
    }
  } catch (e) {
    await close();
    throw e;
  }
  return { dir, deviceId: o.deviceId, key, sink, daemon, device, sim, backend, close };
}
