/**
 * Fleet benchmark: hundreds of device fleet agents in one process, each with its own MQTT
 * connection, on a loopback Mosquitto. (1) A signed group config push until every device has
 * published its config/reported with the new version. (2) A 5 MB chunked MQTT update to 50 of
 * them until every one has the whole artifact (update/status "verifying"). Beside it, raw
 * mosquitto_pub -> mosquitto_sub throughput with the same block size, measured in the same run.
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mqtt from 'mqtt';
import { ConfigStore } from '../src/config/config-store.js';
import { systemClock } from '../src/core/clock.js';
import { silentLogger } from '../src/core/logger.js';
import { FleetAgent } from '../src/fleet/fleet-agent.js';
import { FleetMqtt } from '../src/fleet/fleet-mqtt.js';
import { signDesiredConfig, signJob } from '../src/fleet/operator/sign.js';
import type { FleetHost } from '../src/fleet/ports.js';
import { StreamServer } from '../src/fleet/stream-server.js';
import { generateEd25519KeyPair, parseEd25519PrivateKey } from '../src/payment/keys.js';
import { Mosquitto } from '../test/helpers/mosquitto.js';
import type { Bench, BenchSection } from './types.js';

const run = promisify(execFile);
const PREFIX = 'tillqr/v1';
const BLOCK = 65_536;

/** A host that is always idle and healthy (shared with bench/cluster.ts). */
export const host: FleetHost = {
  version: '1.0.0',
  saleActive: () => false,
  onIdle: () => () => undefined,
  health: () => ({ brokerConnected: true, displayDrawn: true }),
  restart: () => undefined,
};

export function key() {
  const k = generateEd25519KeyPair();
  return { key: parseEd25519PrivateKey(k.privateKeyPem), kid: k.kid, publicKeyPem: k.publicKeyPem };
}

/** A release artifact of `bytes` of payload, made with tar. */
export async function releaseArtifact(dir: string, version: string, bytes: number): Promise<string> {
  const tree = join(dir, `tree-${version}`);
  await mkdir(join(tree, 'dist/src/cli'), { recursive: true });
  await writeFile(join(tree, 'package.json'), JSON.stringify({ name: 'tillqr', version }));
  await writeFile(join(tree, 'dist/src/cli/tillqr.js'), '');
  await writeFile(join(tree, 'dist/blob.bin'), randomBytes(bytes));
  const out = join(dir, `tillqr-${version}.tar.gz`);
  await run('tar', ['-czf', out, '-C', tree, '.']);
  return out;
}

/** Raw throughput: mosquitto_pub publishes `count` blocks (QoS 1) that mosquitto_sub receives. */
async function rawThroughput(port: number, dir: string, count: number): Promise<number> {
  const block = join(dir, 'block.bin');
  await writeFile(block, randomBytes(BLOCK));
  const sub = spawn('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(port), '-t', 'bench/raw', '-q', '1', '-C', String(count)], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await new Promise((r) => setTimeout(r, 300));
  const t0 = performance.now();
  const done = new Promise<void>((resolve) => sub.once('exit', () => resolve()));
  await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(port), '-t', 'bench/raw', '-q', '1', '-f', block, '--repeat', String(count)]);
  await done;
  return (count * BLOCK) / ((performance.now() - t0) / 1000);
}

async function ulimitN(): Promise<string> {
  try {
    return (await run('sh', ['-c', 'ulimit -n'])).stdout.trim();
  } catch {
    return '?';
  }
}

export const fleetBench: Bench = async ({ quick }) => {
  const devices = quick ? 100 : 500;
  const updated = quick ? 10 : 50;
  const artifactBytes = quick ? 1_000_000 : 5_000_000;
  const dir = await mkdtemp(join(tmpdir(), 'tillqr-bench-fleet-'));
  const broker = await Mosquitto.start({ extraConfig: ['max_connections -1'] });
  const clock = systemClock();
  const fleetKey = key();
  const releaseKey = key();
  const agents: FleetAgent[] = [];
  const observer = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clean: true });
  try {
    const reported = new Map<string, number>();
    const status = new Map<string, string>();
    const waiters = new Set<() => void>();
    observer.on('message', (topic, payload) => {
      const parts = topic.split('/');
      const id = parts[2] ?? '';
      try {
        const body = JSON.parse(payload.toString('utf8')) as { groups?: Record<string, number>; state?: string };
        if (topic.endsWith('/config/reported')) reported.set(id, body.groups?.bench ?? 0);
        else if (body.state !== undefined) status.set(id, body.state);
      } catch {
        // ignore
      }
      for (const w of waiters) w();
    });
    await observer.subscribeAsync([`${PREFIX}/+/config/reported`, `${PREFIX}/+/update/status`], { qos: 1 });
    const until = (pred: () => boolean, timeoutMs: number) =>
      new Promise<boolean>((resolve) => {
        const check = () => {
          if (!pred()) return;
          waiters.delete(check);
          clearTimeout(t);
          resolve(true);
        };
        const t = setTimeout(() => {
          waiters.delete(check);
          resolve(false);
        }, timeoutMs);
        waiters.add(check);
        check();
      });

    // Devices.
    const t0 = performance.now();
    for (let i = 0; i < devices; i++) {
      const id = `bench-${String(i).padStart(4, '0')}`;
      const stateDir = join(dir, id);
      const releaseRoot = join(stateDir, 'opt');
      await mkdir(join(releaseRoot, 'releases'), { recursive: true });
      const cfg = {
        deviceId: id,
        hardware: 'sim',
        stateDir,
        mqtt: { url: broker.url, groups: ['bench'], keepaliveSec: 60 },
        trust: {
          fleetKeys: [{ kid: fleetKey.kid, publicKeyPem: fleetKey.publicKeyPem }],
          releaseKeys: [{ kid: releaseKey.kid, publicKeyPem: releaseKey.publicKeyPem }],
        },
        fleet: { releaseRoot },
      };
      await writeFile(join(stateDir, 'config.json'), JSON.stringify(cfg));
      const store = await ConfigStore.open(join(stateDir, 'config.json'), {}, silentLogger);
      const channel = new FleetMqtt({ mqtt: store.current.mqtt, deviceId: id, clock, logger: silentLogger, maxPacketBytes: 1_048_576 });
      const agent = new FleetAgent({ store, host, channel, clock, logger: silentLogger });
      await agent.start();
      agents.push(agent);
    }
    const allUp = await until(() => reported.size >= devices, 60_000);
    const connectSec = (performance.now() - t0) / 1000;

    // (1) Config push to the group.
    const doc = signDesiredConfig('group:bench', 7, { display: { rotation: 180 } }, fleetKey);
    const tPush = performance.now();
    await observer.publishAsync(`${PREFIX}/groups/bench/config/desired`, doc, { qos: 1, retain: true });
    const pushed = await until(() => [...reported.values()].filter((v) => v === 7).length >= devices, 60_000);
    const pushSec = (performance.now() - tPush) / 1000;

    // (2) 5 MB chunked update to `updated` devices.
    const artifact = await releaseArtifact(dir, '1.1.0', artifactBytes);
    const bytes = await readFile(artifact);
    const server = new StreamServer({ prefix: PREFIX, publish: (t, p) => void op.publishAsync(t, p, { qos: 1 }).catch(() => undefined) });
    const op = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clean: true });
    op.on('message', (t, p) => server.handle(t, p));
    await op.subscribeAsync(server.subscription, { qos: 1 });
    server.add('bench-1.1.0', bytes);
    const { token } = await signJob(artifact, { version: '1.1.0', from: ['*'], stream: 'bench-1.1.0', ttlSec: 3600 }, releaseKey);
    const targets = agents.slice(0, updated).map((a) => a.topics.deviceId);
    const downloaded = () => targets.every((id) => ['verifying', 'installing', 'restarting', 'failed'].includes(status.get(id) ?? ''));
    const tUpd = performance.now();
    for (const id of targets) await observer.publishAsync(`${PREFIX}/${id}/update`, token, { qos: 1, retain: true });
    const got = await until(downloaded, 300_000);
    const updSec = (performance.now() - tUpd) / 1000;
    const failed = targets.filter((id) => status.get(id) === 'failed').length;
    const chunked = (bytes.length * updated) / updSec;
    await op.endAsync();

    // Raw baseline, same broker, same block size, same total volume (capped in quick mode).
    const rawCount = Math.ceil((bytes.length * updated) / BLOCK);
    const raw = await rawThroughput(broker.port, dir, rawCount);
    const MB = 1_000_000;
    const section: BenchSection = {
      title: 'Fleet: config push and chunked updates',
      method: `${devices} fleet agents in one Node process, each with its own MQTT connection (MQTT.js, QoS 1) to a loopback Mosquitto, each with its own config file and state dir. Config push: one signed group document (retained) until every device has published config/reported with the new version (Ed25519 verify, per-key check, atomic config write with fsync, reported publish). Chunked update: a ${(bytes.length / MB).toFixed(1)} MB artifact to ${updated} devices at once (${BLOCK / 1024} KB blocks, window 8), from publishing the jobs until every device has all blocks on disk and reports "verifying". Raw: mosquitto_pub -f (QoS 1, --repeat) to one mosquitto_sub -C, same block size, ${rawCount} blocks.`,
      rows: [
        {
          metric: `config push reaches all ${devices} devices`,
          value: pushSec,
          unit: 's',
          target: '<= 5 s for 500',
          met: pushed && (devices < 500 || pushSec <= 5),
        },
        { metric: `chunked update, ${updated} devices, aggregate`, value: chunked / MB, unit: 'MB/s' },
        { metric: 'raw mosquitto_pub -> mosquitto_sub', value: raw / MB, unit: 'MB/s' },
        { metric: 'chunked / raw throughput', value: chunked / raw, unit: '×', target: '>= 0.5', met: got && failed === 0 && chunked / raw >= 0.5 },
        { metric: `connect ${devices} agents and get their first reports`, value: connectSec, unit: 's' },
      ],
      notes: [
        `Mosquitto's max_connections is unlimited (-1) by default; the real limit is the broker's open-file limit (ulimit -n here: ${await ulimitN()}; each connection is one descriptor). Every agent here also holds a connection, so a fleet of N needs N descriptors at the broker.`,
        `All ${devices} connected: ${allUp ? 'yes' : 'NO'}; config push complete: ${pushed ? 'yes' : 'NO'}; update downloads complete: ${got ? 'yes' : 'NO'}${failed > 0 ? ` (${failed} failed)` : ''}.`,
        'The raw baseline is one stream through the broker; the chunked figure is the aggregate over the devices, each asking for its own blocks (the server publishes one copy per device).',
      ],
    };
    return section;
  } finally {
    for (const a of agents) await a.stop().catch(() => undefined);
    await observer.endAsync().catch(() => undefined);
    await broker.close();
    // An agent stopped mid-install may still be finishing a file in its releases folder.
    await rm(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  }
};
