/**
 * Clustered-broker benchmark: as many simulated tills as this machine holds (goal 5,000), one
 * fleet agent and one MQTT 3.1.1 connection each, in one process, spread over the three nodes of a
 * real RabbitMQ cluster (test/helpers/rabbitmq-cluster.ts); beside the same run on one Mosquitto.
 * Measured: connecting every till until its first config/reported arrives, a signed group config
 * push until every till reported the new version, `fleet status` by sweep (OperatorClient.sweep,
 * how many tills it lists and how long it takes) and a chunked update to 100 tills at once until
 * each has the whole artifact ("verifying"). Without RabbitMQ, the cluster rows are left out with
 * the reason in the notes. The tills' state dirs are on a tmpfs where there is one (/dev/shm): a
 * real till has its own disk, and thousands of them fsyncing on this machine's one disk measure
 * the disk's queue, not the fleet (every write and fsync still runs).
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { ConfigStore } from '../src/config/config-store.js';
import { systemClock } from '../src/core/clock.js';
import { silentLogger } from '../src/core/logger.js';
import { FleetAgent } from '../src/fleet/fleet-agent.js';
import { FleetMqtt } from '../src/fleet/fleet-mqtt.js';
import { buildView } from '../src/fleet/operator/fleet-view.js';
import { OperatorClient } from '../src/fleet/operator/operator-client.js';
import { signDesiredConfig, signJob } from '../src/fleet/operator/sign.js';
import { StreamServer } from '../src/fleet/stream-server.js';
import { Mosquitto } from '../test/helpers/mosquitto.js';
import { RabbitCluster, rabbitmqUnavailable } from '../test/helpers/rabbitmq-cluster.js';
import { host, key, releaseArtifact } from './fleet.js';
import type { Bench, BenchRow, BenchSection } from './types.js';

const PREFIX = 'tillqr/v1';
/** Where the tills' state goes: a tmpfs when the machine has one (see the header). */
const STATE_BASE = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();

interface RunResult {
  readonly tills: number;
  readonly connected: number;
  readonly connectSec: number;
  readonly pushed: number;
  readonly pushSec: number;
  readonly listed: number;
  readonly statusSec: number;
  readonly updated: number;
  readonly updateOf: number;
  readonly updateSec: number;
  /** 1-minute load average when the run started and when the push started (others' work on the machine). */
  readonly load: readonly [number, number];
  /** Seconds waited for the machine to go quiet before the push and before the sweep. */
  readonly settled: readonly [number, number];
}

/** The machine's CPU busy fraction over `ms`, from /proc/stat (undefined where there is none). */
async function busyFraction(ms: number): Promise<number | undefined> {
  const sample = async (): Promise<[number, number] | undefined> => {
    const line = (await readFile('/proc/stat', 'utf8').catch(() => '')).split('\n')[0] ?? '';
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    if (!line.startsWith('cpu ') || f.length < 5) return undefined;
    const total = f.reduce((a, b) => a + b, 0);
    return [total - (f[3] ?? 0) - (f[4] ?? 0), total];
  };
  const a = await sample();
  await new Promise((r) => setTimeout(r, ms));
  const b = await sample();
  if (a === undefined || b === undefined || b[1] === a[1]) return undefined;
  return (b[0] - a[0]) / (b[1] - a[1]);
}

/**
 * Waits until the machine is quiet (CPU below a quarter busy over 2 s, at most `maxMs`), so the
 * push and the sweep time themselves and not leftover work of the connect phase (a broker still
 * busy with new sessions, another job on the machine). Returns the seconds waited.
 */
async function settle(maxMs: number): Promise<number> {
  const t0 = performance.now();
  while (performance.now() - t0 < maxMs) {
    const busy = await busyFraction(2000);
    if (busy === undefined || busy < 0.25) break;
  }
  return (performance.now() - t0) / 1000;
}

/** One run: `tills` agents over `urls` (round robin), the operator and observer on the last URL. */
async function fleetRun(urls: readonly string[], tills: number, updateOf: number, artifactBytes: number): Promise<RunResult> {
  const dir = await mkdtemp(join(STATE_BASE, 'tillqr-bench-cluster-'));
  const loadAtStart = loadavg()[0] ?? 0;
  const clock = systemClock();
  const fleetKey = key();
  const releaseKey = key();
  const agents: FleetAgent[] = [];
  const opUrl = urls.at(-1) ?? '';
  const observer: MqttClient = await mqtt.connectAsync(opUrl, { protocolVersion: 4, clean: true });
  const reported = new Map<string, number>();
  const status = new Map<string, string>();
  observer.on('message', (topic, payload) => {
    const id = topic.split('/')[2] ?? '';
    try {
      const body = JSON.parse(payload.toString('utf8')) as { groups?: Record<string, number>; state?: string };
      if (topic.endsWith('/config/reported')) reported.set(id, body.groups?.bench ?? 0);
      else if (body.state !== undefined) status.set(id, body.state);
    } catch {
      // not ours
    }
  });
  const until = async (pred: () => boolean, timeoutMs: number): Promise<boolean> => {
    const end = Date.now() + timeoutMs;
    while (!pred()) {
      if (Date.now() > end) return false;
      await new Promise((r) => setTimeout(r, 20));
    }
    return true;
  };
  try {
    // QoS 0: the observer is the measuring instrument; at QoS 1 RabbitMQ would hold it to mqtt.prefetch (10)
    // unacknowledged reports, a round trip per ten tills through this busy process. A report lost would leave the push incomplete.
    await observer.subscribeAsync([`${PREFIX}/+/config/reported`, `${PREFIX}/+/update/status`], { qos: 0 });
    const t0 = performance.now();
    const startTill = async (i: number): Promise<void> => {
      const id = `till-${String(i).padStart(5, '0')}`;
      const stateDir = join(dir, id);
      const releaseRoot = join(stateDir, 'opt');
      await mkdir(join(releaseRoot, 'releases'), { recursive: true });
      const cfg = {
        deviceId: id,
        hardware: 'sim',
        stateDir,
        mqtt: { url: urls[i % urls.length], protocolVersion: 4, groups: ['bench'], keepaliveSec: 120 },
        trust: {
          fleetKeys: [{ kid: fleetKey.kid, publicKeyPem: fleetKey.publicKeyPem }],
          releaseKeys: [{ kid: releaseKey.kid, publicKeyPem: releaseKey.publicKeyPem }],
        },
        fleet: { releaseRoot, requestTimeoutSec: 600 },
      };
      await writeFile(join(stateDir, 'config.json'), JSON.stringify(cfg));
      const store = await ConfigStore.open(join(stateDir, 'config.json'), {}, silentLogger);
      const channel = new FleetMqtt({ mqtt: store.current.mqtt, deviceId: id, clock, logger: silentLogger, maxPacketBytes: 1_048_576 });
      const agent = new FleetAgent({ store, host, channel, clock, logger: silentLogger });
      await agent.start();
      agents.push(agent);
    };
    // In steps of 100 (started together), each step once most of the last one has reported.
    for (let i = 0; i < tills; i += 100) {
      await Promise.all(Array.from({ length: Math.min(100, tills - i) }, (_, k) => startTill(i + k)));
      await until(() => reported.size >= i - 100, 30_000);
    }
    await until(() => reported.size >= tills, 120_000);
    const connectSec = (performance.now() - t0) / 1000;
    const connected = reported.size;

    const settledPush = await settle(120_000);
    const doc = signDesiredConfig('group:bench', 7, { display: { rotation: 180 } }, fleetKey);
    const loadAtPush = loadavg()[0] ?? 0;
    const tPush = performance.now();
    await observer.publishAsync(`${PREFIX}/groups/bench/config/desired`, doc, { qos: 1, retain: true });
    await until(() => [...reported.values()].filter((v) => v === 7).length >= connected, 60_000);
    const pushSec = (performance.now() - tPush) / 1000;
    const pushed = [...reported.values()].filter((v) => v === 7).length;

    const settledSweep = await settle(60_000);
    const op = await OperatorClient.connect({ url: opUrl, protocol: 4 });
    const tStatus = performance.now();
    const view = buildView(PREFIX, await op.sweep(PREFIX, { quietMs: 1000, maxMs: 60_000 }));
    const statusSec = (performance.now() - tStatus) / 1000;
    const listed = [...view.values()].filter((v) => v.reported !== undefined).length;

    const bytes = await readFile(await releaseArtifact(dir, '1.1.0', artifactBytes));
    const server = new StreamServer({ prefix: PREFIX, publish: (t, p) => void op.publish(t, p, false).catch(() => undefined) });
    server.add('bench-1.1.0', bytes);
    const offServer = op.onMessage((t, p) => server.handle(t, p));
    await op.subscribe([server.subscription]);
    const { token } = await signJob(join(dir, 'tillqr-1.1.0.tar.gz'), { version: '1.1.0', from: ['*'], stream: 'bench-1.1.0', ttlSec: 3600 }, releaseKey);
    const targets = agents.slice(0, updateOf).map((a) => a.topics.deviceId);
    const done = (id: string) => ['verifying', 'installing', 'restarting', 'succeeded'].includes(status.get(id) ?? '');
    const tUpd = performance.now();
    for (const id of targets) await observer.publishAsync(`${PREFIX}/${id}/update`, token, { qos: 1, retain: true });
    await until(() => targets.every((id) => done(id) || status.get(id) === 'failed'), 300_000);
    const updateSec = (performance.now() - tUpd) / 1000;
    offServer();
    await op.close();
    return {
      tills,
      connected,
      connectSec,
      pushed,
      pushSec,
      listed,
      statusSec,
      updated: targets.filter(done).length,
      updateOf,
      updateSec,
      load: [loadAtStart, loadAtPush],
      settled: [settledPush, settledSweep],
    };
  } finally {
    for (const a of agents) await a.stop().catch(() => undefined);
    await observer.endAsync().catch(() => undefined);
    await rm(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 }).catch(() => undefined);
  }
}

/** The goals: every till connected, the push reached all within 10 s, the sweep listed all within 5 s, the update reached its targets. */
function goalsMet(r: RunResult): boolean {
  return r.connected === r.tills && r.pushed === r.connected && r.pushSec <= 10 && r.listed >= r.connected && r.statusSec <= 5 && r.updated === r.updateOf;
}

function rows(label: string, r: RunResult, base?: RunResult): BenchRow[] {
  const b = (name: string, v: number | undefined) => (v === undefined ? {} : { baseline: { name, value: v } });
  return [
    {
      metric: `${label}: tills connected (first report seen) of ${r.tills}`,
      value: r.connected,
      unit: 'tills',
      target: `${r.tills}, none lost`,
      met: r.connected === r.tills,
    },
    { metric: `${label}: connect ${r.tills} tills`, value: r.connectSec, unit: 's', ...b('one Mosquitto', base?.connectSec) },
    {
      metric: `${label}: group config push reaches all`,
      value: r.pushSec,
      unit: 's',
      target: '<= 10 s',
      met: r.pushed === r.connected && r.pushSec <= 10,
      ...b('one Mosquitto', base?.pushSec),
    },
    { metric: `${label}: fleet status (sweep) lists`, value: r.listed, unit: 'tills', target: `all ${r.connected}`, met: r.listed >= r.connected },
    {
      metric: `${label}: fleet status (sweep) time`,
      value: r.statusSec,
      unit: 's',
      target: '<= 5 s',
      met: r.statusSec <= 5,
      ...b('one Mosquitto', base?.statusSec),
    },
    {
      metric: `${label}: chunked update, ${r.updateOf} tills at once, all blocks on disk`,
      value: r.updateSec,
      unit: 's',
      target: `${r.updateOf} of ${r.updateOf}`,
      met: r.updated === r.updateOf,
      ...b('one Mosquitto', base?.updateSec),
    },
  ];
}

export const clusterBench: Bench = async ({ quick }) => {
  const tills = Number(process.env.TILLQR_BENCH_TILLS ?? (quick ? 60 : 5000));
  const updateOf = Math.min(tills, quick ? 10 : 100);
  const artifactBytes = quick ? 200_000 : 1_000_000;
  const notes: string[] = [];
  const mosq = await Mosquitto.start({ extraConfig: ['max_connections -1'] });
  let single: RunResult;
  try {
    single = await fleetRun([mosq.url], tills, updateOf, artifactBytes);
  } finally {
    await mosq.close();
  }
  const out: BenchRow[] = [];
  let clustered: RunResult | undefined;
  const why = await rabbitmqUnavailable();
  if (why !== undefined) notes.push(`No cluster rows: ${why}.`);
  else {
    const onCluster = async (n: number): Promise<RunResult> => {
      const cluster = await RabbitCluster.start();
      try {
        return await fleetRun(cluster.urls, n, Math.min(n, updateOf), artifactBytes);
      } finally {
        await cluster.close();
      }
    };
    const r = await onCluster(tills);
    clustered = r;
    out.push(...rows('RabbitMQ 3-node', r, single));
    if (r.connected < tills)
      notes.push(
        `RabbitMQ held ${r.connected} of ${tills} tills on this machine (three nodes, one Erlang scheduler each, beside the Node process on the same cores).`,
      );
    // A goal missed at full size: the same on a fresh cluster with half the fleet, to show what this machine holds.
    if (!quick && !goalsMet(r)) {
      const half = await onCluster(Math.floor(tills / 2));
      out.push(...rows(`RabbitMQ 3-node, ${half.tills} tills`, half));
      notes.push(
        `At ${tills} tills a goal was missed on this ${cpus().length}-core machine, where the three RabbitMQ nodes and the one process running every till share the cores (the push alone costs this process ${((single.pushSec / single.tills) * 1000).toFixed(1)} ms per till on one Mosquitto, work each till's own Pi does in a shop); the rows "RabbitMQ 3-node, ${half.tills} tills" are the same run on a fresh cluster with half the fleet${goalsMet(half) ? ', and meet every goal' : ', and still miss a goal'}.`,
      );
    }
  }
  out.push(...rows('one Mosquitto', single));
  const load = (l: readonly [number, number]) => `${l[0].toFixed(1)} at its start, ${l[1].toFixed(1)} at the push`;
  const waited = (r: RunResult) => `${r.settled[0].toFixed(0)} s before the push, ${r.settled[1].toFixed(0)} s before the sweep`;
  notes.push(
    `Load average (1 min) on this ${cpus().length}-core machine, one Mosquitto: ${load(single.load)}${clustered !== undefined ? `; RabbitMQ: ${load(clustered.load)}` : ''} (it counts this run's own work, the broker's included; the minute before the push still carries the connect phase).`,
    `The push and the sweep start once the machine is quiet (CPU under a quarter busy over 2 s, /proc/stat), as a steady fleet is (2 s is the least, one sample): one Mosquitto waited ${waited(single)}${clustered !== undefined ? `; RabbitMQ ${waited(clustered)}` : ''}.`,
  );
  const section: BenchSection = {
    title: 'Fleet on a clustered broker',
    method: `${tills} simulated tills in one Node process (a fleet agent and one MQTT 3.1.1 connection each, own config file and state dir${STATE_BASE === '/dev/shm' ? ' on a tmpfs, /dev/shm: a real till has its own disk, and 5,000 of them fsyncing on this one measure its queue; every write and fsync still runs' : ''}), round robin over the three nodes of a real RabbitMQ 3.10 cluster on loopback (test/helpers/rabbitmq-cluster.ts), the operator and observer on the third node; then the same on one loopback Mosquitto. Config push: one signed group document until every till reported its version (an observer on the third node reads the reports at QoS 0, so RabbitMQ's consumer prefetch of 10 does not meter the instrument). Fleet status: OperatorClient.sweep as tillqr fleet status runs it (fleet/ping, answers read live through "+" at QoS 0), tills listed and time to the end of the quiet window (1 s). Update: a ${(artifactBytes / 1e6).toFixed(1)} MB artifact over the chunked transfer to ${updateOf} tills at once.`,
    rows: out,
    notes,
  };
  return section;
};
