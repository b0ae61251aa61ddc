/**
 * Fault: the daemon is SIGKILLed at random moments while it takes payments and while its
 * configuration is being rewritten (daemon-entry.ts --churn), then started again, `kills` times.
 * The broker (real Mosquitto) stays up and keeps the device's session, so messages sent while
 * it is dead reach it when it is back; the backend sends again what got no answer.
 *
 * After every kill: the config file parses and validates (one of the two values being written);
 * the payment state file parses and matches its schema, and no corrupt copy was ever set aside;
 * after the restart no temp file is left. After every restart: every message the device answered
 * before is refused `replayed` (the replay cache survived), and no success signal comes of it.
 * Over the run: each paid order was reported paid once and signalled once, except where the kill
 * fell between the signal and the write of the state (then the redelivered confirmation signals
 * again: the device prefers a second beep to a lost payment; counted, not hidden).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateConfig } from '../../src/config/load.js';
import { STATE_FILE_NAME, stateFileSchema } from '../../src/daemon/state-file.js';
import type { DeviceEvent } from '../../src/link/contract.js';
import type { InboundTopic } from '../../src/link/topics.js';
import { collectLines } from '../../test/helpers/child.js';
import { Mosquitto } from '../../test/helpers/mosquitto.js';
import { backendKey, chargeBody, EventBackend, paymentBody, rawDeviceConfig, sign } from './backend.js';
import { check, n, type Check } from './types.js';

/**
 * The entry as plain JavaScript: the compiled sibling, or (under vitest, from the TypeScript
 * sources) bundled with esbuild into node_modules/.cache so that its packages resolve; the
 * bundle is removed at the end of the run.
 */
async function entryScript(): Promise<{ path: string; temporary: boolean }> {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) return { path: join(dirname(here), 'daemon-entry.js'), temporary: false };
  const root = join(dirname(here), '..', '..');
  const out = join(root, 'node_modules', '.cache', 'tillqr-reliability', `daemon-entry-${process.pid}.mjs`);
  const { build } = await import('esbuild');
  await build({
    entryPoints: [join(dirname(here), 'daemon-entry.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: out,
    packages: 'external',
    logLevel: 'silent',
  });
  return { path: out, temporary: true };
}

class DaemonProcess {
  readonly child: ChildProcess;
  readonly lines: string[] = [];
  readonly signalsPath: string;
  stderr = '';
  #signals: string[] | undefined;
  constructor(script: string, configPath: string, signalsPath: string) {
    this.signalsPath = signalsPath;
    this.child = spawn(process.execPath, [script, configPath, signalsPath, '--churn', ...(process.env.TILLQR_RELIABILITY_TRACE === '1' ? ['--trace'] : [])], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    collectLines(this.child.stdout, this.lines);
    this.child.stderr?.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-20_000);
    });
  }
  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }
  async ready(timeoutMs = 30_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!this.lines.includes('ready')) {
      if (!this.alive) throw new Error(`the daemon exited: ${this.stderr.slice(-2000)}`);
      if (Date.now() > end) throw new Error('the daemon did not get ready');
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  async kill(): Promise<void> {
    if (!this.alive) return;
    const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.kill('SIGKILL');
    await exited;
  }
  async term(): Promise<void> {
    if (!this.alive) return;
    const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.kill('SIGTERM');
    await exited;
  }
  get pid(): number {
    return this.child.pid ?? -1;
  }
  /** Read the signal log (once the process has ended, the result is kept). */
  async readSignals(): Promise<string[]> {
    if (this.#signals !== undefined) return this.#signals;
    const text = await readFile(this.signalsPath, 'utf8').catch(() => '');
    const ids = text
      .split('\n')
      .filter((l) => l.startsWith('paid-signal '))
      .map((l) => l.slice('paid-signal '.length));
    if (!this.alive) this.#signals = ids;
    return ids;
  }
  /** Signals read so far (call readSignals after the process ended). */
  paidSignals(): string[] {
    return this.#signals ?? [];
  }
}

export interface KillFaultResult {
  readonly kills: number;
  readonly sales: number;
  readonly configWrites: number;
  readonly configBad: string[];
  readonly stateBad: string[];
  /** Temp files found after a restart (a write cut short that nobody cleaned up). */
  readonly tempsLeft: string[];
  readonly replaysSent: number;
  readonly replaysNotRefused: string[];
  readonly paidEventsWrong: string[];
  /** Orders signalled more than once, each because a kill fell between signal and state write. */
  readonly signalledAgainAfterKill: string[];
  /** Orders signalled a wrong number of times for any other reason (must be none). */
  readonly signalWrong: string[];
  readonly wallSec: number;
}

interface Answered {
  readonly topic: InboundTopic;
  readonly token: string;
  readonly orderId: string;
}

export async function runKillFault(o: { kills: number; log?: (line: string) => void; dump?: (name: string, text: string) => void }): Promise<KillFaultResult> {
  const log = o.log ?? ((): void => undefined);
  const started = Date.now();
  const entry = await entryScript();
  const script = entry.path;
  const broker = await Mosquitto.start();
  const dir = await mkdtemp(join(tmpdir(), 'tillqr-fault-kill-'));
  const stateDir = join(dir, 'state');
  await mkdir(stateDir);
  const key = backendKey();
  const deviceId = 'till-kill-fault';
  const configPath = join(dir, 'config.json');
  const raw = {
    ...rawDeviceConfig({ deviceId, url: broker.url, key, stateDir, mqtt: { keepaliveSec: 5, reconnectMinMs: 100, reconnectMaxMs: 1000 } }),
    signal: { buzzer: { kind: 'passive', pin: 13, pwmChannel: 1 } },
  };
  await writeFile(configPath, JSON.stringify(raw, null, 2));
  const backend = await EventBackend.connect(broker.url, deviceId, { keep: 500, persistent: true });
  const procs: DaemonProcess[] = [];
  const answered: Answered[] = [];
  const configBad: string[] = [];
  const stateBad: string[] = [];
  const replaysNotRefused: string[] = [];
  const tempsLeft = new Set<string>();
  let replaysSent = 0;
  let sales = 0;
  let seed = 4242;
  const rnd = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  /** Per process: orders whose paid event the backend had received when the process died. */
  const paidSeenAtDeath: Set<string>[] = [];

  interface Sale {
    readonly orderId: string;
    readonly charge: string;
    readonly pay: string;
    chargeAnswered: boolean;
  }
  let interrupted: Sale | undefined;
  const newSale = (): Sale => {
    const orderId = `K-${sales}`;
    const amount = 100 + sales;
    const now = Math.floor(Date.now() / 1000);
    sales++;
    return {
      orderId,
      charge: sign(deviceId, key, chargeBody(orderId, amount, now + 900), now),
      pay: sign(deviceId, key, paymentBody(orderId, amount, now), now),
      chargeAnswered: false,
    };
  };

  /** Send until answered; gives up (undefined) as soon as `died` settles. */
  const deliver = async (
    topic: InboundTopic,
    token: string,
    orderId: string,
    want: DeviceEvent['type'],
    died: Promise<void>,
  ): Promise<DeviceEvent | undefined> => {
    let dead = false;
    void died.then(() => (dead = true));
    for (let attempt = 0; attempt < 200 && !dead; attempt++) {
      const answer = backend
        .next((e) => e.orderId === orderId && (e.type === want || (e.type === 'rejected' && e.reason === 'replayed')), 1_500)
        .catch(() => undefined);
      backend.post(topic, token);
      const got = await Promise.race([answer, died.then(() => undefined)]);
      if (got !== undefined) return got;
    }
    return undefined;
  };

  const inspectFiles = async (after: string): Promise<void> => {
    try {
      const c = validateConfig(JSON.parse(await readFile(configPath, 'utf8')));
      if (c.display.rotation !== 0 && c.display.rotation !== 180) configBad.push(`${after}: rotation ${c.display.rotation}`);
    } catch (e) {
      configBad.push(`${after}: ${(e as Error).message.slice(0, 200)}`);
    }
    const names = await readdir(stateDir);
    if (names.some((x) => x.includes('.corrupt-'))) stateBad.push(`${after}: a corrupt state file was set aside`);
    if (names.includes(STATE_FILE_NAME)) {
      try {
        if (!stateFileSchema.safeParse(JSON.parse(await readFile(join(stateDir, STATE_FILE_NAME), 'utf8'))).ok)
          stateBad.push(`${after}: the state file does not match its schema`);
      } catch (e) {
        stateBad.push(`${after}: ${(e as Error).message.slice(0, 200)}`);
      }
    }
  };

  try {
    for (let k = 0; k <= o.kills; k++) {
      const p = new DaemonProcess(script, configPath, join(dir, `signals-${k}.log`));
      procs.push(p);
      log(`process ${k}: starting`);
      await p.ready();
      log(`process ${k}: ready; replaying ${Math.min(answered.length, 12)} answered messages`);
      // Temp files of the new process are writes in flight; any other one was left behind.
      const temps = [...(await readdir(stateDir)), ...(await readdir(dir))].filter((x) => x.endsWith('.tmp') && !x.includes(`.${p.pid}.`));
      for (const t of temps) tempsLeft.add(t);
      // The replay cache survived: everything answered before is refused now, without a signal.
      const sample =
        answered.length <= 12
          ? answered
          : [...answered.slice(-6), ...Array.from({ length: 6 }, () => answered[Math.floor(rnd() * answered.length)] as Answered)];
      const signalsBefore = (await p.readSignals()).length;
      for (const a of sample) {
        replaysSent++;
        const answer = backend.next((e) => e.orderId === a.orderId && e.type === 'rejected', 10_000).catch(() => undefined);
        backend.post(a.topic, a.token);
        const e = await answer;
        if (e?.reason !== 'replayed')
          replaysNotRefused.push(`restart ${k}: ${a.topic} ${a.orderId} → ${e === undefined ? 'no answer' : `${e.type} ${e.reason ?? ''}`}`);
      }
      if ((await p.readSignals()).length !== signalsBefore) replaysNotRefused.push(`restart ${k}: a replay made a success signal`);
      // Sales until the kill, which comes at a random moment 50-600 ms from now.
      const last = k === o.kills;
      let dead = false;
      const killer: Promise<void> = last
        ? new Promise<void>(() => undefined)
        : (async () => {
            await new Promise((r) => setTimeout(r, 50 + rnd() * 550));
            await p.kill();
            dead = true;
          })();
      const target = last ? sales + 20 : Number.POSITIVE_INFINITY;
      while (!dead && (interrupted !== undefined || sales < target)) {
        // A sale the kill interrupted is finished first: the same messages, sent again.
        const sale = interrupted ?? newSale();
        interrupted = sale;
        if (!sale.chargeAnswered) {
          const c = await deliver('charge', sale.charge, sale.orderId, 'displayed', killer);
          if (c === undefined) break;
          sale.chargeAnswered = true;
          answered.push({ topic: 'charge', token: sale.charge, orderId: sale.orderId });
        }
        const e = await deliver('payment', sale.pay, sale.orderId, 'paid', killer);
        if (e === undefined) break;
        answered.push({ topic: 'payment', token: sale.pay, orderId: sale.orderId });
        interrupted = undefined;
      }
      if (!last) await killer;
      log(`process ${k}: ${last ? 'done' : 'killed'} after sale ${sales}`);
      paidSeenAtDeath.push(new Set(backend.paidByOrder.keys()));
      await inspectFiles(last ? 'the end' : `kill ${k + 1}`);
      if (last) await p.term();
    }
  } finally {
    for (const p of procs) {
      await p.kill();
      await p.readSignals();
    }
    procs.forEach((p, i) => o.dump?.(`process-${i}`, `${p.lines.join('\n')}\n--- signals ---\n${p.paidSignals().join('\n')}\n--- stderr ---\n${p.stderr}`));
    o.dump?.('events', backend.events.map((e) => JSON.stringify(e)).join('\n'));
    await backend.close().catch(() => undefined);
    await broker.close();
    await rm(dir, { recursive: true, force: true });
    if (entry.temporary) await rm(script, { force: true });
  }

  // Accounting over all processes.
  const signalCount = new Map<string, number>();
  const signalledAgainAfterKill: string[] = [];
  const signalWrong: string[] = [];
  procs.forEach((p, i) => {
    for (const id of p.paidSignals()) {
      const before = signalCount.get(id) ?? 0;
      signalCount.set(id, before + 1);
      // A second signal is allowed only if the process that signalled first died before the paid event got out.
      if (before > 0) {
        const firstDied = procs.slice(0, i).some((q, j) => q.paidSignals().includes(id) && !(paidSeenAtDeath[j]?.has(id) ?? false));
        (firstDied ? signalledAgainAfterKill : signalWrong).push(id);
      }
    }
  });
  const paidEventsWrong: string[] = [];
  for (let i = 0; i < sales; i++) {
    const id = `K-${i}`;
    const got = backend.paidByOrder.get(id) ?? 0;
    const distinct = new Set(backend.paidAt.get(id) ?? []).size;
    if (got === 0 || distinct !== 1) paidEventsWrong.push(`${id}: ${got} paid events (${distinct} distinct)`);
    if ((signalCount.get(id) ?? 0) === 0) signalWrong.push(`${id}: never signalled`);
  }
  return {
    kills: o.kills,
    sales,
    configWrites: procs.reduce((sum, p) => sum + p.lines.filter((l) => l.startsWith('config ')).length, 0),
    configBad,
    stateBad,
    tempsLeft: [...tempsLeft],
    replaysSent,
    replaysNotRefused,
    paidEventsWrong,
    signalledAgainAfterKill,
    signalWrong,
    wallSec: (Date.now() - started) / 1000,
  };
}

export function killFaultChecks(r: KillFaultResult): Check[] {
  return [
    check(
      `the daemon was SIGKILLed ${r.kills} times while taking payments and rewriting its config`,
      r.kills > 0,
      `${r.kills} kills, ${n(r.sales)} sales, ${n(r.configWrites)} config writes`,
    ),
    check(
      'config intact after every kill',
      r.configBad.length === 0,
      r.configBad.length === 0 ? 'the file always parsed and validated' : r.configBad.slice(0, 3).join('; '),
    ),
    check(
      'payment state intact after every kill, no temp file left',
      r.stateBad.length === 0 && r.tempsLeft.length === 0,
      r.stateBad.length === 0
        ? `the state file always matched its schema; ${r.tempsLeft.length} temp files left after restarts${r.tempsLeft.length > 0 ? ` (${r.tempsLeft.slice(0, 3).join(', ')})` : ''}`
        : r.stateBad.slice(0, 3).join('; '),
    ),
    check(
      'replay cache intact: earlier messages refused after every restart',
      r.replaysNotRefused.length === 0,
      r.replaysNotRefused.length === 0 ? `${n(r.replaysSent)} replays, all refused \`replayed\`, no signal` : r.replaysNotRefused.slice(0, 3).join('; '),
    ),
    check(
      'every paid order reported paid exactly once',
      r.paidEventsWrong.length === 0,
      r.paidEventsWrong.length === 0 ? `${n(r.sales)} orders` : r.paidEventsWrong.slice(0, 3).join('; '),
    ),
    check(
      'every paid order signalled; a second signal only after a kill between signal and state write',
      r.signalWrong.length === 0,
      `${r.signalWrong.length} wrong; ${r.signalledAgainAfterKill.length} orders signalled again after such a kill${r.signalledAgainAfterKill.length > 0 ? ` (${r.signalledAgainAfterKill.slice(0, 5).join(', ')})` : ''}`,
    ),
  ];
}
