/**
 * Console fuzzing: hostile lines and Improv packets (console-inputs.ts) through the real
 * ConsoleSession (Improv demultiplexer, line editor, command queue, commands over a real
 * ConfigStore in a temp dir, Improv service on a SimNetwork), targeting a Device on simulated
 * parts. After each input a sync request (`version` with a fresh id) is sent; its reply means
 * everything before it was handled. Time runs on a FakeClock moved in small steps.
 *
 * Checked per input: every JSON line that came out is a well-formed reply (pure ASCII, parses as
 * {id, ok, data|error}); a request with an id got exactly one reply with that id; each whole JSON
 * line got exactly one reply; every Improv packet that came out has a valid checksum; an Improv
 * RPC got an Improv answer. Over the run: no internal error logged, nothing thrown, no success
 * signal, memory before and after.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { ConfigStore } from '../../src/config/config-store.js';
import { decodePacket, IMPROV_HEADER } from '../../src/console/improv-codec.js';
import { parseResponse } from '../../src/console/json-lines.js';
import { Lockout } from '../../src/console/lockout.js';
import { SimNetwork } from '../../src/console/network-sim.js';
import { Provisioner } from '../../src/console/provisioner.js';
import { ConsoleSession } from '../../src/console/session.js';
import { FakeClock } from '../../src/core/clock.js';
import { createLogger, memorySink } from '../../src/core/logger.js';
import { daemonConsoleTarget } from '../../src/daemon/console-target.js';
import { runOnClock } from '../../test/helpers/drive-clock.js';
import { MemoryLink } from '../../test/helpers/memory-link.js';
import { backendKey, rawDeviceConfig } from './backend.js';
import { consoleItems, type ConsoleItem } from './console-inputs.js';
import { sample, type ProcessSample } from './machine.js';
import { SimDevice } from './sim-device.js';

export interface ConsoleFuzzStats {
  readonly runs: number;
  readonly classes: Map<string, number>;
  readonly violations: string[];
  violationCount: number;
  jsonReplies: number;
  improvReplies: number;
  bytesIn: number;
  bytesOut: number;
  /** Inputs that needed a second sync (a partial Improv packet or a prompt held the sync line). */
  resyncs: number;
  before: ProcessSample | undefined;
  after: ProcessSample | undefined;
  internalErrors: number;
  thrown: number;
  paidSignals: number;
  wallSec: number;
}

/** Split console output into JSON reply lines, Improv packets and the rest. */
export function splitOutput(out: Buffer): { json: string[]; packets: Uint8Array[]; badPackets: number } {
  const json: string[] = [];
  const packets: Uint8Array[] = [];
  let badPackets = 0;
  const text: number[] = [];
  const head = Buffer.from([...IMPROV_HEADER, 1]);
  let i = 0;
  while (i < out.length) {
    if (out[i] === head[0] && out.subarray(i, i + head.length).equals(head) && i + 9 <= out.length) {
      const len = out[i + 8] ?? 0;
      const p = out.subarray(i, i + 10 + len);
      if (p.length < 10 + len) badPackets++;
      else packets.push(p);
      i += 10 + len;
      continue;
    }
    text.push(out[i] ?? 0);
    i++;
  }
  for (const line of Buffer.from(text).toString('latin1').split('\n')) {
    const l = line.replace(/\r$/, '');
    // A reply starts its own line; a person's echoed text can too (after unechoed control bytes), but never carries "ok".
    if (l.startsWith('{"id":') && l.includes('"ok":')) json.push(l);
  }
  return { json, packets, badPackets };
}

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

export async function fuzzConsole(o: { runs: number; seed: number }): Promise<ConsoleFuzzStats> {
  const started = Date.now();
  const s: ConsoleFuzzStats = {
    runs: o.runs,
    classes: new Map(),
    violations: [],
    violationCount: 0,
    jsonReplies: 0,
    improvReplies: 0,
    bytesIn: 0,
    bytesOut: 0,
    resyncs: 0,
    before: undefined,
    after: undefined,
    internalErrors: 0,
    thrown: 0,
    paidSignals: 0,
    wallSec: 0,
  };
  const dir = await mkdtemp(join(tmpdir(), 'tillqr-fuzz-console-'));
  const clock = new FakeClock(Date.UTC(2026, 0, 5, 10));
  const sink = memorySink(2000);
  const logger = createLogger('fuzz', { level: 'info', sink });
  const key = backendKey();
  const configPath = join(dir, 'config.json');
  await writeFile(configPath, JSON.stringify(rawDeviceConfig({ deviceId: 'till-console-fuzz', url: 'mqtt://127.0.0.1:1', key, stateDir: join(dir, 'state') })));
  const store = await ConfigStore.open(configPath, {}, logger.child('config'));
  const link = new MemoryLink();
  const sim = await SimDevice.open({ config: store.current, clock, link, logger, display: true });
  await sim.device.start();
  const display = sim.display;
  if (display === undefined) throw new Error('the console fuzz needs the display');
  const asked = { restart: 0, reboot: 0 };
  // The daemon's own console target over the simulated device (restart and reboot only counted).
  const target = daemonConsoleTarget({
    store,
    clock,
    startedAt: clock.now(),
    device: () => sim.device,
    brokerConnected: () => false,
    display,
    faults: sim.device.faults,
    indicator: sim.signals.indicator,
    restingScreen: () => ({ name: 'idle', storeName: 'fuzz', wallets: [] }),
    restart: () => {
      asked.restart++;
      return Promise.resolve();
    },
    reboot: () => {
      asked.reboot++;
      return Promise.resolve();
    },
  });
  const network = new SimNetwork().addNetwork({ ssid: 'Shop Net', signal: 80, psk: 'shop-Wifi-psk9' }).addNetwork({ ssid: 'Open', signal: 30 });
  let out: Buffer[] = [];
  const session = new ConsoleSession({
    store,
    target,
    network,
    provisioner: new Provisioner({ store, tlsDir: join(dir, 'tls'), network, logger: logger.child('provision'), scrypt: { N: 1024, r: 8, p: 1 } }),
    lockout: new Lockout(clock, { baseMs: 1000, maxMs: 30_000 }),
    clock,
    logger: logger.child('console'),
    version: '0.1.0-fuzz',
    bootId: 'fuzz',
    logTail: (n) => sink.lines.slice(-n),
    write: (b) => void out.push(Buffer.from(b)),
    drain: () => Promise.resolve(),
  });
  const onError = (): void => void s.thrown++;
  process.on('uncaughtException', onError);
  process.on('unhandledRejection', onError);
  let nextId = 0;
  let syncN = 0;
  const violation = (i: number, it: ConsoleItem, what: string): void => {
    s.violationCount++;
    if (s.violations.length < 20)
      s.violations.push(`#${i} ${it.cls}: ${what}; input ${JSON.stringify(Buffer.from(it.bytes.subarray(0, 100)).toString('latin1'))}`);
  };
  try {
    session.start();
    s.before = sample();
    let i = 0;
    await fc.assert(
      fc.asyncProperty(consoleItems({ maxLineBytes: store.current.console.maxLineBytes, nextId: () => ++nextId }), async (it) => {
        s.classes.set(it.cls, (s.classes.get(it.cls) ?? 0) + 1);
        out = [];
        let at = 0;
        for (const cut of [...it.cuts, it.bytes.length]) {
          session.feed(it.bytes.subarray(at, cut));
          at = cut;
          await flush();
        }
        s.bytesIn += it.bytes.length;
        // Sync: end whatever line is open, cancel a prompt, then a request whose reply proves the queue is through.
        let got = false;
        let resynced = false;
        for (let attempt = 0; attempt < 6 && !got; attempt++) {
          if (attempt > 0) {
            s.resyncs++;
            resynced = true;
          }
          const id = `sync-${++syncN}`;
          session.feed(Buffer.from(attempt === 0 ? `\n{"id":"${id}","cmd":"version"}\n` : `\n\x03\n{"id":"${id}","cmd":"version"}\n`));
          for (let step = 0; step < 120 && !got; step++) {
            // File writes (config changes) take real time; the rest waits on the FakeClock.
            await (step < 40 ? flush() : new Promise((r) => setTimeout(r, 1)));
            // Only a successful answer proves the queue is through (a full queue answers CONSOLE_BUSY at once).
            got = splitOutput(Buffer.concat(out)).json.some((l) => {
              const r = parseResponse(l);
              return r?.id === id && r.ok;
            });
            if (!got) clock.advance(step < 40 ? 10 : 100);
          }
          if (!got) {
            clock.advance(2_500); // a partial Improv packet is dropped after 2 s without bytes
            await flush();
          }
        }
        if (!got) violation(i, it, 'the console stopped answering');
        const bytes = Buffer.concat(out);
        s.bytesOut += bytes.length;
        const { json, packets, badPackets } = splitOutput(bytes);
        s.jsonReplies += json.length;
        s.improvReplies += packets.length;
        for (const line of json) {
          if (!/^[\x20-\x7e]*$/.test(line)) violation(i, it, `a reply that is not pure ASCII: ${line.slice(0, 200)}`);
          if (parseResponse(line) === undefined) violation(i, it, `a malformed reply: ${line.slice(0, 200)}`);
        }
        if (badPackets > 0) violation(i, it, `${badPackets} cut-off Improv packets in the output`);
        for (const p of packets) if (!decodePacket(p).ok) violation(i, it, `an Improv packet that does not decode: ${Buffer.from(p).toString('hex')}`);
        if (it.jsonId !== undefined) {
          const mine = json.map((l) => parseResponse(l)).filter((r) => r?.id === it.jsonId).length;
          if (mine !== 1) violation(i, it, `${mine} replies carry id ${JSON.stringify(it.jsonId)}`);
        }
        const syncReplies = json.filter((l) => l.includes('"id":"sync-')).length;
        if (it.jsonLines > 0 && !resynced && json.length - syncReplies !== it.jsonLines)
          violation(i, it, `${json.length - syncReplies} replies to ${it.jsonLines} JSON lines`);
        if (it.improvRpc && packets.length === 0) violation(i, it, 'an Improv RPC got no Improv answer');
        i++;
        return true;
      }),
      { numRuns: o.runs, seed: o.seed, endOnFailure: true },
    );
    s.after = sample();
  } finally {
    process.off('uncaughtException', onError);
    process.off('unhandledRejection', onError);
    await runOnClock(clock, session.dispose(), { stepMs: 100 }).catch(() => undefined);
    await runOnClock(clock, sim.stop(), { stepMs: 100 }).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
  s.internalErrors = sink.lines.filter((l) => l.includes('"level":"error"')).length;
  s.paidSignals = sim.watch.played('paid');
  s.wallSec = (Date.now() - started) / 1000;
  return s;
}
