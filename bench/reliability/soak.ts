/**
 * Soak: many sales in accelerated time. The Device runs on a FakeClock as a busy till (a sale
 * every 3 minutes, 12 hours a day; customers take 15 s to pay), on the simulated parts with the real
 * DisplayService rendering every screen and countdown tick, and its link is either MqttLink on a
 * real Mosquitto (the backend signs and publishes, events come back through the broker) or the
 * in-memory link. One sale in 50 expires, one is cancelled, one fails; the rest are paid.
 *
 * Measured: resident memory and V8 heap (after a full GC when node runs with --expose-gc) before
 * the first sale, after the warm-up (by then the replay cache has filled to its bound once) and
 * at the end; live handles and requests; live real timers (getActiveResourcesInfo); the FakeClock's
 * pending timers; the state file's size.
 * Checked: every sale ended with exactly its one outcome event, each paid order was reported
 * once and signalled once, every event matched the contract.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../../src/core/clock.js';
import { createLogger, memorySink } from '../../src/core/logger.js';
import { eventSchema, type DeviceEvent } from '../../src/link/contract.js';
import type { DeviceLink } from '../../src/link/link.js';
import { MqttLink } from '../../src/link/mqtt-link.js';
import type { InboundTopic } from '../../src/link/topics.js';
import { STATE_FILE_NAME } from '../../src/daemon/state-file.js';
import { runOnClock } from '../../test/helpers/drive-clock.js';
import { MemoryLink } from '../../test/helpers/memory-link.js';
import { Mosquitto } from '../../test/helpers/mosquitto.js';
import { backendKey, chargeBody, deviceConfig, EventBackend, paymentBody, sign } from './backend.js';
import { mib, sample, signedMib, type ProcessSample } from './machine.js';
import { SimDevice } from './sim-device.js';
import { check, n, type Section } from './types.js';

export interface SoakOptions {
  readonly sales: number;
  /** 'broker': MqttLink on a real Mosquitto; 'memory': the in-memory link. */
  readonly link: 'broker' | 'memory';
  /** Sales before the "start" memory sample (default: a tenth, at least 500: two business days, so the replay cache has reached its steady size). */
  readonly warmup?: number;
  /** Where the state file lives (default: a new temp dir). */
  readonly stateRoot?: string;
  /** Called every `progressEvery` sales. */
  readonly progress?: (done: number) => void;
  readonly progressEvery?: number;
}

export interface SoakResult {
  readonly sales: number;
  readonly link: 'broker' | 'memory';
  readonly outcomes: Record<'paid' | 'failed' | 'expired' | 'cancelled', number>;
  readonly paidSignals: number;
  /** Sales during which more `paid` events arrived than the one expected. */
  readonly paidEventsDoubled: number;
  readonly wrongOutcomes: number;
  readonly malformedEvents: number;
  readonly before: ProcessSample;
  readonly afterWarmup: ProcessSample;
  readonly end: ProcessSample;
  readonly timersAfterWarmup: number;
  readonly timersEnd: number;
  readonly stateFileBytes: number;
  readonly fakeDays: number;
  readonly wallSec: number;
  readonly errorLogLines: number;
}

const HOLD_MS = 8_000;
const PAY_AFTER_MS = 15_000;
/** A busy till: a sale every 3 minutes through a 12-hour day, then closed for the night. */
const SALE_EVERY_MS = 3 * 60_000;
const SALES_PER_DAY = 240;
const NIGHT_MS = 12 * 3600_000;

type Outcome = 'paid' | 'failed' | 'expired' | 'cancelled';

function outcomeOf(i: number): Outcome {
  const r = i % 50;
  return r === 7 ? 'expired' : r === 19 ? 'cancelled' : r === 33 ? 'failed' : 'paid';
}

/** How a soak talks to the device: send a signed message, wait for the device's next event. */
interface Channel {
  send(topic: InboundTopic, payload: string): Promise<void>;
  /** Resolves with the first event after `from` (an index into the channel's event count). */
  waitEvent(from: number): Promise<DeviceEvent>;
  readonly eventCount: number;
  /** `paid` events so far. */
  readonly paidCount: number;
  readonly malformed: number;
  close(): Promise<void>;
}

class MemoryChannel implements Channel {
  readonly link = new MemoryLink();
  malformed = 0;
  paidCount = 0;
  #count = 0;
  #last: DeviceEvent[] = [];

  constructor() {
    const push = this.link.publishEvent.bind(this.link);
    this.link.publishEvent = (e) => {
      if (!eventSchema.safeParse(e).ok) this.malformed++;
      if (e.type === 'paid') this.paidCount++;
      this.#count++;
      this.#last.push(e);
      if (this.#last.length > 16) this.#last.shift();
      push(e);
      if (this.link.events.length > 1000) this.link.events.splice(0, 500);
    };
    // The memory link keeps every status it was given: keep the harness itself from growing.
    const setStatus = this.link.setStatus.bind(this.link);
    this.link.setStatus = (st) => {
      setStatus(st);
      if (this.link.statuses.length > 1000) this.link.statuses.splice(0, 500);
    };
  }

  get eventCount(): number {
    return this.#count;
  }

  async send(topic: InboundTopic, payload: string): Promise<void> {
    await this.link.deliver(topic, payload);
  }

  waitEvent(from: number): Promise<DeviceEvent> {
    const back = this.#count - from;
    const e = back > 0 ? this.#last[this.#last.length - back] : undefined;
    return e === undefined ? Promise.reject(new Error(`no event after #${from}`)) : Promise.resolve(e);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

class BrokerChannel implements Channel {
  readonly backend: EventBackend;
  constructor(backend: EventBackend) {
    this.backend = backend;
  }
  get eventCount(): number {
    return this.backend.received;
  }
  get paidCount(): number {
    return this.backend.count('paid');
  }
  get malformed(): number {
    return this.backend.malformed.length;
  }
  send(topic: InboundTopic, payload: string): Promise<void> {
    return this.backend.send(topic, payload);
  }
  async waitEvent(from: number): Promise<DeviceEvent> {
    await this.backend.atLeast(from + 1);
    const back = this.backend.received - from;
    const e = this.backend.events[this.backend.events.length - back];
    if (e === undefined) throw new Error(`event #${from} was not kept (malformed?)`);
    return e;
  }
  close(): Promise<void> {
    return this.backend.close();
  }
}

export async function runSoak(o: SoakOptions): Promise<SoakResult> {
  const wallStart = Date.now();
  const root = await mkdtemp(join(o.stateRoot ?? tmpdir(), 'tillqr-soak-'));
  const clock = new FakeClock(Date.UTC(2026, 0, 5, 9));
  const sink = memorySink(200);
  const logger = createLogger('soak', { level: 'warn', sink });
  const key = backendKey();
  const deviceId = `till-soak-${o.link}`;
  let broker: Mosquitto | undefined;
  let channel: Channel;
  let link: DeviceLink;
  const url = o.link === 'broker' ? (broker = await Mosquitto.start()).url : 'mqtt://127.0.0.1:1';
  const config = deviceConfig({ deviceId, url, key, stateDir: root, mqtt: { keepaliveSec: 60 } });
  if (o.link === 'broker') {
    link = new MqttLink({ mqtt: config.mqtt, deviceId, version: 'soak', clock, logger: logger.child('link') });
    channel = new BrokerChannel(await EventBackend.connect(url, deviceId, { keep: 64, perOrder: false }));
  } else {
    const mc = new MemoryChannel();
    link = mc.link;
    channel = mc;
  }
  const sim = await SimDevice.open({ config, clock, link, logger, display: true });
  try {
    await sim.device.start();
    if (o.link === 'broker') {
      const mq = link as MqttLink;
      const until = Date.now() + 15_000;
      while (!mq.connected) {
        if (Date.now() > until) throw new Error('the soak device did not connect');
        await new Promise((r) => setTimeout(r, 10));
      }
    } else {
      (link as MemoryLink).online();
    }
    await sim.device.idle();

    const outcomes: Record<Outcome, number> = { paid: 0, failed: 0, expired: 0, cancelled: 0 };
    let wrong = 0;
    // Per sale, not per order: a map of every order id would itself grow through the run.
    let paidTwice = 0;
    const warmup = o.warmup ?? Math.min(o.sales, Math.max(Math.ceil(o.sales / 10), 500));
    const before = sample();
    let afterWarmup = before;
    let timersAfterWarmup = clock.pendingTimers;
    const nowSec = (): number => Math.floor(clock.now() / 1000);

    const expect = async (topic: InboundTopic, payload: string, want: DeviceEvent['type'], orderId: string): Promise<DeviceEvent> => {
      const from = channel.eventCount;
      await channel.send(topic, payload);
      const e = await channel.waitEvent(from);
      if (e.type !== want || e.orderId !== orderId) wrong++;
      return e;
    };
    /** Advance fake time in steps, letting the device finish its work at each. */
    const advance = async (ms: number): Promise<void> => {
      for (let left = ms; left > 0; left -= 5_000) {
        clock.advance(Math.min(5_000, left));
        await sim.device.idle();
      }
    };

    for (let i = 0; i < o.sales; i++) {
      const saleStart = clock.now();
      if (i === warmup) {
        afterWarmup = sample();
        timersAfterWarmup = clock.pendingTimers;
      }
      const orderId = `S-${i}`;
      const amount = 100 + (i % 900);
      const outcome = outcomeOf(i);
      const paidBefore = channel.paidCount;
      await expect('charge', sign(deviceId, key, chargeBody(orderId, amount, nowSec() + 90), nowSec()), 'displayed', orderId);
      await advance(PAY_AFTER_MS);
      if (outcome === 'expired') {
        const from = channel.eventCount;
        await advance(90_000);
        const e = await channel.waitEvent(from);
        if (e.type !== 'expired' || e.orderId !== orderId) wrong++;
      } else if (outcome === 'cancelled') {
        await expect('cancel', sign(deviceId, key, { typ: 'cancel', orderId }, nowSec()), 'cancelled', orderId);
      } else {
        await expect(
          'payment',
          sign(deviceId, key, paymentBody(orderId, amount, nowSec(), outcome === 'failed' ? 'failed' : 'succeeded'), nowSec()),
          outcome,
          orderId,
        );
      }
      outcomes[outcome]++;
      await advance(HOLD_MS + 1000);
      const paidNow = channel.paidCount - paidBefore;
      if (paidNow > (outcome === 'paid' ? 1 : 0)) paidTwice++;
      else if (paidNow < (outcome === 'paid' ? 1 : 0)) wrong++;
      // Nothing is due until the next customer: move on in one step.
      clock.advance(Math.max(0, saleStart + SALE_EVERY_MS - clock.now()) + ((i + 1) % SALES_PER_DAY === 0 ? NIGHT_MS : 0));
      await sim.device.idle();
      if (o.progress !== undefined && (i + 1) % (o.progressEvery ?? 10_000) === 0) o.progress(i + 1);
    }
    // Let the last signal pattern finish and any late event arrive.
    await advance(10_000);
    if (o.link === 'broker') await new Promise((r) => setTimeout(r, 200));
    sim.signalState.flush();
    const end = sample();
    const timersEnd = clock.pendingTimers;
    const stateFileBytes = (await stat(join(root, STATE_FILE_NAME))).size;
    return {
      sales: o.sales,
      link: o.link,
      outcomes,
      paidSignals: sim.watch.played('paid'),
      paidEventsDoubled: paidTwice,
      wrongOutcomes: wrong,
      malformedEvents: channel.malformed,
      before,
      afterWarmup,
      end,
      timersAfterWarmup,
      timersEnd,
      stateFileBytes,
      fakeDays: (clock.now() - Date.UTC(2026, 0, 5, 9)) / 86_400_000,
      wallSec: (Date.now() - wallStart) / 1000,
      errorLogLines: sink.lines.filter((l) => l.includes('"level":"error"')).length,
    };
  } finally {
    // Stopping waits on fake-clock timers (a panel refresh in flight, the offline status timeout).
    await runOnClock(clock, sim.stop(), { stepMs: 100 }).catch(() => undefined);
    await channel.close().catch(() => undefined);
    await broker?.close();
    await rm(root, { recursive: true, force: true });
  }
}

/** The soak's properties, for the report and the CI test alike. */
export function soakChecks(r: SoakResult, rssLimitBytes = 5 * 2 ** 20) {
  const rssGrowth = r.end.rssBytes - r.afterWarmup.rssBytes;
  return [
    check(
      'every sale ended with its one outcome event',
      r.wrongOutcomes === 0 && r.malformedEvents === 0,
      `${n(r.wrongOutcomes)} wrong or missing outcome events, ${n(r.malformedEvents)} events breaking the contract, over ${n(r.sales)} sales`,
    ),
    check(
      'each paid sale signalled once and reported once',
      r.paidSignals === r.outcomes.paid && r.paidEventsDoubled === 0,
      `${n(r.outcomes.paid)} paid sales, ${n(r.paidSignals)} success signals, ${n(r.paidEventsDoubled)} orders reported paid twice`,
    ),
    check(
      'resident memory grew less than 5 MB from the end of the warm-up to the end',
      rssGrowth < rssLimitBytes,
      `${mib(r.afterWarmup.rssBytes)} → ${mib(r.end.rssBytes)} (${signedMib(rssGrowth)})`,
    ),
    check(
      'no growth in handles, requests, real timers or FakeClock timers',
      r.end.handles <= r.afterWarmup.handles &&
        r.end.requests <= r.afterWarmup.requests &&
        r.end.timers <= r.afterWarmup.timers &&
        r.timersEnd <= r.timersAfterWarmup,
      `handles ${r.afterWarmup.handles} → ${r.end.handles}, requests ${r.afterWarmup.requests} → ${r.end.requests}, real timers ${r.afterWarmup.timers} → ${r.end.timers}, pending fake timers ${r.timersAfterWarmup} → ${r.timersEnd}`,
    ),
    check('no error logged', r.errorLogLines === 0, `${n(r.errorLogLines)} error lines`),
  ];
}

export function soakSection(results: readonly SoakResult[]): Section {
  const figures = results.flatMap((r) => [
    {
      metric: `${r.link === 'broker' ? 'over Mosquitto' : 'in-memory link'}: sales (paid / failed / expired / cancelled)`,
      value: `${n(r.sales)} (${n(r.outcomes.paid)} / ${n(r.outcomes.failed)} / ${n(r.outcomes.expired)} / ${n(r.outcomes.cancelled)}) in ${r.fakeDays.toFixed(1)} fake days, ${r.wallSec.toFixed(0)} s wall`,
    },
    { metric: `${r.link}: RSS before / after warm-up / end`, value: `${mib(r.before.rssBytes)} / ${mib(r.afterWarmup.rssBytes)} / ${mib(r.end.rssBytes)}` },
    {
      metric: `${r.link}: V8 heap used before / after warm-up / end${r.end.gc ? ' (after full GC)' : ''}`,
      value: `${mib(r.before.heapUsedBytes)} / ${mib(r.afterWarmup.heapUsedBytes)} / ${mib(r.end.heapUsedBytes)}`,
    },
    {
      metric: `${r.link}: handles / requests / real timers / fake timers, after warm-up → end`,
      value: `${r.afterWarmup.handles} → ${r.end.handles} / ${r.afterWarmup.requests} → ${r.end.requests} / ${r.afterWarmup.timers} → ${r.end.timers} / ${r.timersAfterWarmup} → ${r.timersEnd}`,
    },
    { metric: `${r.link}: state file at the end`, value: `${n(r.stateFileBytes)} bytes` },
  ]);
  return {
    title: 'Soak: sales in accelerated time',
    method:
      'A Device on the simulated parts (real PatternIndicator on SimGpio, real DisplayService rendering every screen and countdown step on a SimPanel) runs on a FakeClock as a busy till: a sale every 3 minutes for 12 hours a day (240 a day), the verdict 15 s after the charge, the result held 8 s; one sale in 50 expires, one is cancelled, one fails. Over Mosquitto the backend signs and publishes with MQTT.js and reads the events back (a memory-link run, if any, uses the same Device code path without a broker). The state file is on a tmpfs (/dev/shm): this run is about memory, handles and timers; the crash runs use the disk. Memory is sampled after a full GC; "start" is the end of the warm-up (a tenth of the sales), when caches and the replay cache have reached their steady size.',
    figures,
    checks: results.flatMap((r) => soakChecks(r).map((c) => ({ ...c, what: `${r.link}: ${c.what}` }))),
  };
}
