/**
 * Shared pieces for fleet tests: release artifacts built with the real `tar`, signing keys, a
 * device configuration store in a temp dir, a scriptable FleetHost, an agent on a real broker,
 * and an observer that reads the retained fleet topics.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mqtt, { type MqttClient } from 'mqtt';
import { ConfigStore } from '../../../src/config/config-store.js';
import { systemClock, type Clock } from '../../../src/core/clock.js';
import { createLogger, memorySink, type Logger } from '../../../src/core/logger.js';
import { FleetAgent } from '../../../src/fleet/fleet-agent.js';
import { FleetMqtt } from '../../../src/fleet/fleet-mqtt.js';
import type { FleetHealth, FleetHost } from '../../../src/fleet/ports.js';
import { generateEd25519KeyPair, parseEd25519PrivateKey } from '../../../src/payment/keys.js';
import type { SigningKey } from '../../../src/fleet/operator/sign.js';

const run = promisify(execFile);

export async function tempDir(prefix = 'tillqr-fleet-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export interface TestKey extends SigningKey {
  readonly publicKeyPem: string;
}

export function makeKey(): TestKey {
  const k = generateEd25519KeyPair();
  return { key: parseEd25519PrivateKey(k.privateKeyPem), kid: k.kid, publicKeyPem: k.publicKeyPem };
}

/** A fake release tree: package.json with the version and an entry point that prints it. */
export async function releaseTree(version: string, extra: Record<string, string> = {}): Promise<string> {
  const dir = await tempDir('tillqr-tree-');
  await mkdir(join(dir, 'dist/src/cli'), { recursive: true });
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'tillqr', version }));
  await writeFile(join(dir, 'dist/src/cli/tillqr.js'), `process.stdout.write(${JSON.stringify(`release ${version}\n`)});\n`);
  for (const [p, text] of Object.entries(extra)) {
    await mkdir(join(dir, p, '..'), { recursive: true });
    await writeFile(join(dir, p), text);
  }
  return dir;
}

/** tar.gz a tree with the system tar (as a release build would). */
export async function makeArtifact(version: string, extra: Record<string, string> = {}): Promise<string> {
  const tree = await releaseTree(version, extra);
  const out = join(await tempDir('tillqr-art-'), `tillqr-${version}.tar.gz`);
  await run('tar', ['-czf', out, '-C', tree, '.']);
  return out;
}

/** Install a release by hand (as device/install.sh does) and point current and committed at it. */
export async function installFirst(root: string, version: string): Promise<void> {
  const tree = await releaseTree(version);
  await mkdir(join(root, 'releases'), { recursive: true });
  await run('cp', ['-a', tree, join(root, 'releases', version)]);
  await run('ln', ['-sfn', `releases/${version}`, join(root, 'current')]);
  await run('ln', ['-sfn', `releases/${version}`, join(root, 'committed')]);
}

export class TestHost implements FleetHost {
  version: string;
  sale = false;
  healthy: FleetHealth = { brokerConnected: true, displayDrawn: true };
  readonly restarts: string[] = [];
  readonly #idle = new Set<() => void>();

  constructor(version: string) {
    this.version = version;
  }

  saleActive(): boolean {
    return this.sale;
  }

  onIdle(cb: () => void): () => void {
    this.#idle.add(cb);
    return () => this.#idle.delete(cb);
  }

  endSale(): void {
    this.sale = false;
    for (const cb of [...this.#idle]) cb();
  }

  health(): FleetHealth {
    return this.healthy;
  }

  restart(reason: string): void {
    this.restarts.push(reason);
  }
}

export interface DeviceSetup {
  readonly deviceId: string;
  readonly url: string;
  readonly stateDir: string;
  readonly releaseRoot: string;
  readonly fleetKeys?: readonly TestKey[];
  readonly releaseKeys?: readonly TestKey[];
  readonly backendKeys?: readonly TestKey[];
  readonly groups?: readonly string[];
  readonly fleet?: Record<string, unknown>;
  /** More mqtt keys (credentials, say). */
  readonly mqtt?: Record<string, unknown>;
  readonly extra?: Record<string, unknown>;
}

export async function deviceStore(s: DeviceSetup, log: Logger): Promise<ConfigStore> {
  const path = join(s.stateDir, 'config.json');
  const keys = (ks: readonly TestKey[] | undefined) => (ks ?? []).map((k) => ({ kid: k.kid, publicKeyPem: k.publicKeyPem }));
  await writeFile(
    path,
    JSON.stringify({
      deviceId: s.deviceId,
      hardware: 'sim',
      stateDir: s.stateDir,
      mqtt: { url: s.url, keepaliveSec: 5, reconnectMinMs: 100, reconnectMaxMs: 1000, groups: s.groups ?? [], ...s.mqtt },
      trust: { fleetKeys: keys(s.fleetKeys), releaseKeys: keys(s.releaseKeys), backendKeys: keys(s.backendKeys) },
      fleet: { releaseRoot: s.releaseRoot, healthWindowSec: 10, requestTimeoutSec: 2, ...s.fleet },
      ...s.extra,
    }),
  );
  return ConfigStore.open(path, {}, log);
}

export interface RunningAgent {
  readonly agent: FleetAgent;
  readonly store: ConfigStore;
  readonly host: TestHost;
  readonly log: { lines: string[] };
  stop(): Promise<void>;
}

export async function startAgent(s: DeviceSetup, host: TestHost, clock: Clock = systemClock()): Promise<RunningAgent> {
  const sink = memorySink(5000);
  const log = createLogger('fleet', { level: 'debug', sink, base: { deviceId: s.deviceId } });
  const store = await deviceStore(s, log);
  const channel = new FleetMqtt({ mqtt: store.current.mqtt, deviceId: s.deviceId, clock, logger: log.child('mqtt'), maxPacketBytes: 1_048_576 });
  const agent = new FleetAgent({ store, host, channel, clock, logger: log });
  await agent.start();
  return { agent, store, host, log: sink, stop: () => agent.stop() };
}

/** Reads fleet topics from the broker, keeping every message per topic in order. */
export class Observer {
  readonly client: MqttClient;
  readonly seen = new Map<string, Buffer[]>();
  readonly #waiters = new Set<() => void>();

  private constructor(client: MqttClient) {
    this.client = client;
    client.on('message', (t, p) => {
      const l = this.seen.get(t) ?? [];
      l.push(Buffer.from(p));
      this.seen.set(t, l);
      for (const w of [...this.#waiters]) w();
    });
  }

  static async connect(url: string, topics: string[]): Promise<Observer> {
    const client = await mqtt.connectAsync(url, { protocolVersion: 5, clean: true, reconnectPeriod: 200 });
    const o = new Observer(client);
    await client.subscribeAsync(topics, { qos: 1 });
    return o;
  }

  json<T = Record<string, unknown>>(topic: string): T[] {
    return (this.seen.get(topic) ?? []).filter((p) => p.length > 0).map((p) => JSON.parse(p.toString('utf8')) as T);
  }

  /** Wait until `pred` holds for the messages seen on `topic`. */
  until<T = Record<string, unknown>>(topic: string, pred: (msgs: T[]) => boolean, timeoutMs = 20_000): Promise<T[]> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const m = this.json<T>(topic);
        if (pred(m)) {
          this.#waiters.delete(waiter);
          clearTimeout(timer);
          resolve(m);
          return true;
        }
        return false;
      };
      const waiter = (): void => void check();
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error(`timed out on ${topic}; seen: ${JSON.stringify(this.json(topic)).slice(-1500)}`));
      }, timeoutMs);
      this.#waiters.add(waiter);
      check();
    });
  }

  async publish(topic: string, payload: string | Buffer, retain = true): Promise<void> {
    await this.client.publishAsync(topic, payload, { qos: 1, retain });
  }

  async close(): Promise<void> {
    await this.client.endAsync();
  }
}

export function states(msgs: { state: string }[]): string[] {
  return msgs.map((m) => m.state).filter((s, i, a) => s !== a[i - 1]);
}
