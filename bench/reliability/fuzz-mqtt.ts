/**
 * MQTT fuzzing: hostile payloads (mqtt-payloads.ts) on every inbound topic, through the Device's
 * real inbound path. Volume runs on the in-memory link (a FakeClock frozen during the run, so
 * any change on the LED or buzzer can only come from a message); a share goes through a real
 * Mosquitto to a daemon built by startDaemon (the composition root, `hardware: "sim"`).
 *
 * Before the fuzz the device has one paid sale and either a sale on screen (`pending`) or one
 * cancelled a moment ago (`closed`: a late confirmation would still be honoured). For every
 * payload: exactly one event, `rejected`, matching the contract's event schema, naming an order
 * only when the signature verified, with the expected reason when one fault decides it; no
 * pattern played, no visible LED or buzzer change, no screen change, the sale and the history
 * untouched.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { validateConfig } from '../../src/config/load.js';
import { FakeClock } from '../../src/core/clock.js';
import { createLogger, memorySink } from '../../src/core/logger.js';
import { eventSchema, type DeviceEvent } from '../../src/link/contract.js';
import type { InboundTopic } from '../../src/link/topics.js';
import { startDaemonRig } from './daemon-rig.js';
import { runOnClock } from '../../test/helpers/drive-clock.js';
import { MemoryLink } from '../../test/helpers/memory-link.js';
import { Mosquitto } from '../../test/helpers/mosquitto.js';
import { backendKey, chargeBody, paymentBody, rawDeviceConfig, sign, type BackendKey } from './backend.js';
import { mib, sample, type ProcessSample } from './machine.js';
import { fuzzCases, type FuzzCase, type FuzzContext, type Sale } from './mqtt-payloads.js';
import { SimDevice } from './sim-device.js';

export interface FuzzStats {
  readonly runs: number;
  readonly where: string;
  readonly classes: Map<string, number>;
  readonly reasons: Map<string, number>;
  readonly byTopic: Map<string, number>;
  readonly violations: string[];
  violationCount: number;
  /** Of those, a signal played, the LED or buzzer changed, or the sale or screen changed. */
  effectViolations: number;
  /** Payloads whose expected reason was checked. */
  reasonChecked: number;
  before: ProcessSample | undefined;
  after: ProcessSample | undefined;
  errorLogLines: number;
  wallSec: number;
}

function newStats(where: string, runs: number): FuzzStats {
  return {
    runs,
    where,
    classes: new Map(),
    reasons: new Map(),
    byTopic: new Map(),
    violations: [],
    violationCount: 0,
    effectViolations: 0,
    reasonChecked: 0,
    before: undefined,
    after: undefined,
    errorLogLines: 0,
    wallSec: 0,
  };
}

const bump = (m: Map<string, number>, k: string): void => void m.set(k, (m.get(k) ?? 0) + 1);

/** The class name without its parameters (wrong-type:amount -> wrong-type). */
const family = (cls: string): string => cls.split(/[:+]/)[0] ?? cls;

function violation(s: FuzzStats, i: number, c: FuzzCase, what: string, effect = false): void {
  s.violationCount++;
  if (effect) s.effectViolations++;
  if (s.violations.length < 20)
    s.violations.push(`#${i} ${c.cls} on ${c.topic}${c.dup ? ' (dup)' : ''}: ${what}; payload ${c.payload.subarray(0, 120).toString('latin1')}`);
}

/** Check the events one payload produced. */
function checkEvents(s: FuzzStats, i: number, c: FuzzCase, events: readonly DeviceEvent[]): void {
  bump(s.classes, family(c.cls));
  bump(s.byTopic, c.topic);
  if (events.length !== 1) return violation(s, i, c, `${events.length} events instead of one: ${JSON.stringify(events)}`);
  const e = events[0] as DeviceEvent;
  if (!eventSchema.safeParse(e).ok) violation(s, i, c, `event breaks the contract: ${JSON.stringify(e)}`);
  if (e.type !== 'rejected') return violation(s, i, c, `event ${JSON.stringify(e)} is not a rejection`);
  bump(s.reasons, e.reason ?? '(none)');
  if (c.reason !== undefined) {
    s.reasonChecked++;
    if (e.reason !== c.reason) violation(s, i, c, `reason ${e.reason ?? '(none)'}, expected ${c.reason}`);
  }
  if (!c.signed && e.orderId !== undefined) violation(s, i, c, `an unverified message named order ${e.orderId}`);
}

interface Setup {
  readonly paid: Sale;
  readonly target: Sale & { state: 'pending' | 'closed' };
  readonly processed: { topic: InboundTopic; token: string; jti: string }[];
}

function jtiOf(token: string): string {
  const p = token.split('.')[1] ?? '';
  return (JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as { jti: string }).jti;
}

/** The messages that put the device in the state the fuzz starts from. */
function setupMessages(
  deviceId: string,
  key: BackendKey,
  nowSec: number,
  state: 'pending' | 'closed',
): { msgs: { topic: InboundTopic; token: string }[]; setup: Setup } {
  const paid: Sale = { orderId: 'PAID-1', amount: 880, currency: 'JPY' };
  const target = { orderId: state === 'pending' ? 'ON-SCREEN-1' : 'CANCELLED-1', amount: 1500, currency: 'JPY', state };
  const msgs: { topic: InboundTopic; token: string }[] = [
    { topic: 'charge', token: sign(deviceId, key, chargeBody(paid.orderId, paid.amount, nowSec + 600), nowSec) },
    { topic: 'payment', token: sign(deviceId, key, paymentBody(paid.orderId, paid.amount, nowSec), nowSec) },
    { topic: 'charge', token: sign(deviceId, key, chargeBody(target.orderId, target.amount, nowSec + 3000), nowSec) },
  ];
  if (state === 'closed') msgs.push({ topic: 'cancel', token: sign(deviceId, key, { typ: 'cancel', orderId: target.orderId }, nowSec) });
  return { msgs, setup: { paid, target, processed: msgs.map((m) => ({ ...m, jti: jtiOf(m.token) })) } };
}

function context(deviceId: string, key: BackendKey, setup: Setup, nowSec: () => number, c: { maxPayloadBytes: number; skewSec: number }): FuzzContext {
  let seq = 0;
  return {
    deviceId,
    key,
    stranger: generateKeyPairSync('ed25519').privateKey,
    skewSec: c.skewSec,
    maxPayloadBytes: c.maxPayloadBytes,
    nowSec,
    target: setup.target,
    paid: setup.paid,
    processed: setup.processed,
    seq: () => seq++,
  };
}

/** Ended sales stay answerable for an hour and a charge may stay that long: the fuzz state holds for the whole run. */
const FUZZ_CONFIG = { sale: { lateConfirmationSec: 3600, maxChargeSec: 3600 } };

/** Volume: a Device on the memory link and a frozen FakeClock. */
export async function fuzzMqttMemory(o: { runs: number; seed: number; state: 'pending' | 'closed'; stateRoot?: string }): Promise<FuzzStats> {
  const s = newStats(`in-memory link, sale ${o.state}`, o.runs);
  const started = Date.now();
  const dir = await mkdtemp(join(o.stateRoot ?? tmpdir(), 'tillqr-fuzz-'));
  const clock = new FakeClock(Date.UTC(2026, 0, 5, 10));
  const sink = memorySink(500);
  const logger = createLogger('fuzz', { level: 'warn', sink });
  const key = backendKey();
  const deviceId = 'till-fuzz';
  const raw = rawDeviceConfig({ deviceId, url: 'mqtt://127.0.0.1:1', key, stateDir: dir });
  const config = validateConfig({ ...raw, sale: FUZZ_CONFIG.sale });
  const link = new MemoryLink();
  const sim = await SimDevice.open({ config, clock, link, logger, display: true });
  try {
    await sim.device.start();
    link.online();
    const nowSec = (): number => Math.floor(clock.now() / 1000);
    const { msgs, setup } = setupMessages(deviceId, key, nowSec(), o.state);
    for (const m of msgs) await link.deliver(m.topic, m.token);
    // Let the setup's signals finish and (closed) the result screen give way to idle; then freeze.
    await runOnClock(
      clock,
      sim.device.idle().then(() => new Promise<void>((r) => clock.setTimeout(r, 10_000))),
      { stepMs: 100 },
    );
    await sim.device.idle();
    sim.signalState.flush();
    const expectedSetup = o.state === 'pending' ? ['displayed', 'paid', 'displayed'] : ['displayed', 'paid', 'displayed', 'cancelled'];
    if (link.events.map((e) => e.type).join() !== expectedSetup.join()) throw new Error(`fuzz setup went wrong: ${JSON.stringify(link.events)}`);
    const ctx = context(deviceId, key, setup, nowSec, { maxPayloadBytes: config.mqtt.maxPayloadBytes, skewSec: config.trust.clockSkewSec });
    link.events.length = 0;
    s.before = sample();
    let i = 0;
    await fc.assert(
      fc.asyncProperty(fuzzCases(), async (thunk) => {
        const c = thunk(ctx);
        // Judged against the state just before it, so one violation is counted once.
        const mark = sim.watch.mark();
        const pendingBefore = sim.device.saleState.pending?.orderId;
        const phaseBefore = sim.device.saleState.phase.name;
        const historyBefore = sim.device.history().length;
        const screensBefore = sim.screens.length;
        const from = link.events.length;
        await link.deliver(c.topic, c.payload, c.dup);
        sim.signalState.flush();
        checkEvents(s, i, c, link.events.slice(from));
        if (link.events.length > 1000) link.events.length = 0;
        if (link.statuses.length > 1000) link.statuses.length = 0;
        const w = sim.watch.mark();
        if (w.plays !== mark.plays || w.changes !== mark.changes) violation(s, i, c, `a signal: ${JSON.stringify(w)} (before ${JSON.stringify(mark)})`, true);
        const st = sim.device.saleState;
        if (
          st.pending?.orderId !== pendingBefore ||
          st.phase.name !== phaseBefore ||
          sim.device.history().length !== historyBefore ||
          sim.screens.length !== screensBefore
        ) {
          violation(
            s,
            i,
            c,
            `the sale changed: ${st.phase.name} ${st.pending?.orderId ?? '-'}, history ${sim.device.history().length}, screens ${sim.screens.length}`,
            true,
          );
        }
        i++;
        return true;
      }),
      { numRuns: o.runs, seed: o.seed, endOnFailure: true },
    );
    s.after = sample();
    s.errorLogLines = sink.lines.filter((l) => l.includes('"level":"error"')).length;
    if (sim.watch.played('paid') !== 1)
      violation(
        s,
        -1,
        { cls: 'whole run', topic: 'payment', payload: Buffer.alloc(0), dup: false, signed: false },
        `the success signal played ${sim.watch.played('paid')} times (1 from the setup)`,
        true,
      );
  } finally {
    await runOnClock(clock, sim.stop(), { stepMs: 100 }).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
  s.wallSec = (Date.now() - started) / 1000;
  return s;
}

/** A share through a real Mosquitto to the daemon built by startDaemon, on the system clock. */
export async function fuzzMqttBroker(o: { runs: number; seed: number }): Promise<FuzzStats> {
  const s = newStats('Mosquitto → startDaemon (sim hardware)', o.runs);
  const started = Date.now();
  const broker = await Mosquitto.start();
  const deviceId = 'till-fuzz-broker';
  const rig = await startDaemonRig({ broker, deviceId, extra: { sale: FUZZ_CONFIG.sale }, logLines: 500, keepEvents: 50 }).catch(async (e: unknown) => {
    await broker.close();
    throw e;
  });
  const { daemon, device, sim, backend, key, sink } = rig;
  try {
    const nowSec = (): number => Math.floor(Date.now() / 1000);
    const { msgs, setup } = setupMessages(deviceId, key, nowSec(), 'closed');
    for (const m of msgs) {
      const from = backend.received;
      await backend.send(m.topic, m.token);
      await backend.atLeast(from + 1);
    }
    // The paid pattern lasts under 5 s and the result screen 8 s: wait for the LED to go dark.
    await new Promise((r) => setTimeout(r, 9_000));
    sim.signals.flush();
    if (sim.signals.snapshot().led !== 'off') throw new Error('the LED is still lit after the setup');
    let changes = 0;
    const unwatch = sim.signals.onChange(() => changes++);
    const ctx = context(deviceId, key, setup, nowSec, { maxPayloadBytes: daemon.config.mqtt.maxPayloadBytes, skewSec: daemon.config.trust.clockSkewSec });
    s.before = sample();
    let i = 0;
    await fc.assert(
      fc.asyncProperty(fuzzCases(), async (thunk) => {
        const c = thunk(ctx);
        changes = 0;
        const pendingBefore = device.saleState.pending?.orderId;
        const historyBefore = device.history().length;
        const from = backend.received;
        await backend.send(c.topic, c.payload);
        await backend.atLeast(from + 1);
        await device.idle();
        sim.signals.flush();
        const n = backend.received - from;
        const got = n > 0 ? backend.events.slice(-n) : [];
        if (backend.malformed.length > 0) violation(s, i, c, `malformed event on the wire: ${backend.malformed.join(' | ')}`);
        checkEvents(s, i, c, got);
        if (changes > 0) violation(s, i, c, `${changes} visible signal changes`, true);
        if (device.saleState.pending?.orderId !== pendingBefore || device.history().length !== historyBefore) violation(s, i, c, 'the sale changed', true);
        i++;
        return true;
      }),
      { numRuns: o.runs, seed: o.seed, endOnFailure: true },
    );
    // Nothing more arrives afterwards (no late second event for any payload).
    await new Promise((r) => setTimeout(r, 500));
    if (backend.received !== o.runs + msgs.length)
      violation(
        s,
        -1,
        { cls: 'whole run', topic: 'payment', payload: Buffer.alloc(0), dup: false, signed: false },
        `${backend.received} events for ${o.runs + msgs.length} messages`,
      );
    s.after = sample();
    unwatch();
    s.errorLogLines = sink.lines.filter((l) => l.includes('"level":"error"')).length;
  } finally {
    await rig.close();
    await broker.close();
  }
  s.wallSec = (Date.now() - started) / 1000;
  return s;
}

export function describeMemory(s: FuzzStats): string {
  if (s.before === undefined || s.after === undefined) return 'not sampled';
  return `RSS ${mib(s.before.rssBytes)} → ${mib(s.after.rssBytes)}, heap ${mib(s.before.heapUsedBytes)} → ${mib(s.after.heapUsedBytes)}`;
}
