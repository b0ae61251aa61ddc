/**
 * The release bundle loads MQTT.js's WebSocket and TLS stream builders (and Node's http, https and
 * tls) on their first use, not at the first connection (tools/release/bundle.ts): an mqtt:// till
 * never loads them, and a ws:// or mqtts:// till still connects. Each run is the bundled daemon,
 * provisioned on simulated hardware, against a real Mosquitto.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../../src/sim/public-dir.js';
import { bundleOverCheckout } from '../../../tools/release/bundle.js';
import { freePort, Mosquitto } from '../../helpers/mosquitto.js';
import { TestCa } from '../../helpers/test-ca.js';
import { makeKey, rawDeviceConfig } from '../../helpers/payment-kit.js';

const ROOT = packageRoot();
const WATCHED = ['tls', 'https', 'http', 'dns'] as const;

/** Prints, on SIGTERM, which of the watched built-ins the process has loaded. */
const REPORTER = `process.on('SIGTERM', () => {
  const loaded = process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13));
  process.stdout.write('LOADED ' + JSON.stringify(${JSON.stringify(WATCHED)}.filter((m) => loaded.includes(m))) + '\\n');
  process.exit(0);
});`;

let work: string;
let entry: string;
let broker: Mosquitto;
let wsPort: number;
let tlsPort: number;

/** Start the bundled daemon on `url`, wait for its broker connection, stop it: what it loaded. */
function connectOnce(url: string, name: string, mqtt: Record<string, unknown> = {}): Promise<{ connected: boolean; loaded: string[]; out: string }> {
  return (async () => {
    const dir = await mkdtemp(join(work, `${name}-`));
    const config = join(dir, 'config.json');
    const raw = rawDeviceConfig({ deviceId: `bundle-${name}`, url, keys: [makeKey()], stateDir: join(dir, 'state'), mqtt });
    await writeFile(config, JSON.stringify({ ...raw, console: { enabled: false } }));
    await writeFile(join(dir, 'reporter.cjs'), REPORTER);
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--require', join(dir, 'reporter.cjs'), entry, 'run', '--config', config], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let connected = false;
      const timer = setTimeout(() => child.kill('SIGTERM'), 30_000);
      const onData = (d: Buffer): void => {
        out += d.toString();
        if (!connected && out.includes('connected to the broker')) {
          connected = true;
          clearTimeout(timer);
          child.kill('SIGTERM');
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.on('error', reject);
      child.on('exit', () => {
        const m = /LOADED (\[.*\])/.exec(out);
        resolve({ connected, loaded: m?.[1] !== undefined ? (JSON.parse(m[1]) as string[]) : ['(no report)'], out });
      });
    });
  })();
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'tillqr-bundle-transports-'));
  entry = await bundleOverCheckout({ projectRoot: ROOT, outDir: work, version: '0.0.0-test' });
  const ca = await TestCa.create(work);
  const server = await ca.issue('server', { use: 'server' });
  wsPort = await freePort();
  tlsPort = await freePort();
  broker = await Mosquitto.start({
    extraConfig: [
      `listener ${wsPort} 127.0.0.1`,
      'protocol websockets',
      `listener ${tlsPort} 127.0.0.1`,
      `cafile ${ca.caFile}`,
      `certfile ${server.certFile}`,
      `keyfile ${server.keyFile}`,
    ],
  });
}, 120_000);

afterAll(async () => {
  await broker?.close();
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

describe('the release bundle loads each MQTT transport on its first use', () => {
  it('connects over mqtt:// without loading tls, https, http or dns', { timeout: 60_000 }, async () => {
    const r = await connectOnce(broker.url, 'tcp');
    expect(r.connected, r.out.slice(-2000)).toBe(true);
    expect(r.loaded).toEqual([]);
  });

  it('connects over ws:// (loading http for the WebSocket)', { timeout: 60_000 }, async () => {
    const r = await connectOnce(`ws://127.0.0.1:${wsPort}`, 'ws');
    expect(r.connected, r.out.slice(-2000)).toBe(true);
    expect(r.loaded).toContain('http');
  });

  it('connects over mqtts:// to a broker its CA signed (loading tls)', { timeout: 60_000 }, async () => {
    const r = await connectOnce(`mqtts://127.0.0.1:${tlsPort}`, 'tls', { caFile: join(work, 'ca.pem') });
    expect(r.connected, r.out.slice(-2000)).toBe(true);
    expect(r.loaded).toContain('tls');
  });
});
