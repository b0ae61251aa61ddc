/**
 * One payment display: wires the link, the inbound gate, the pure sale machine, the screen, the
 * indicator and the state file (through DecisionStore). Everything it uses comes in through
 * DevicePorts, so several Devices can run in one process (the fleet benchmark runs hundreds).
 *
 * Work is done one item at a time (messages, timer ticks, link changes, button presses). For a
 * message: check it, step the machine, fire the signal and show the screen at once, persist the
 * state (jti, sale, history in one atomic write), then publish the events, then let the link
 * acknowledge the message. So `paid` on the events topic means the payment is on disk, and a crash
 * before that means a redelivery, never a lost payment.
 */
import type { TimerHandle } from '../core/clock.js';
import { TillqrError } from '../core/errors.js';
import { Faults } from '../core/faults.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../core/logger.js';
import { nextDeadline, step } from '../core/sale-machine.js';
import { chargeScreenOf, sameScreen, screenFor } from '../core/sale-screen.js';
import {
  durablePart,
  initialSaleState,
  restoredSaleState,
  type HistoryEntry,
  type SaleContext,
  type SaleEffect,
  type SaleEvent,
  type SaleState,
} from '../core/sale-state.js';
import type { Screen } from '../core/screen.js';
import type { DeviceEvent, SignedMessage } from '../link/contract.js';
import type { InboundMessage } from '../link/link.js';
import { brokerLabel } from '../link/mqtt-link.js';
import { TrustedKeys } from '../payment/jws.js';
import { ReplayCache } from '../payment/replay-cache.js';
import type { SignalEvent } from '../signal/indicator.js';
import { DecisionStore } from './decision-store.js';
import { annotateEvents, clipDetail } from './event-detail.js';
import { checkInbound, type InboundContext } from './inbound.js';
import { toSaleEvent } from './sale-event.js';
import type { DevicePorts } from './ports.js';
import { announcementsOf } from '../voice/sale-voice.js';
import { TakingsBook } from '../voice/takings-book.js';
import type { Takings } from '../voice/takings.js';
import type { SaleAnnouncement } from '../voice/voice.js';

export const HISTORY_SIZE = 20;

function saleContext(c: Config): SaleContext {
  const m = c.merchant;
  return {
    storeName: m?.displayName ?? m?.name ?? c.deviceId ?? '',
    ...(m?.staticQr !== undefined ? { idleQr: m.staticQr } : {}),
    wallets: [],
    broker: brokerLabel(c.mqtt.url),
    resultHoldMs: c.sale.resultHoldSec * 1000,
    lateConfirmationMs: c.sale.lateConfirmationSec * 1000,
    maxChargeMs: c.sale.maxChargeSec * 1000,
    historySize: HISTORY_SIZE,
  };
}

const sec = (ms: number): number => Math.floor(ms / 1000);

export class Device {
  readonly deviceId: string;
  #p: DevicePorts;
  readonly #log: Logger;
  #ctx: SaleContext;
  #inbound: Omit<InboundContext, 'replay'>;
  readonly #store: DecisionStore;
  #replay = new ReplayCache();
  #state: SaleState;
  #screen: Screen;
  #timer: TimerHandle | undefined;
  #timerAt: number | undefined;
  #queue: Promise<void> = Promise.resolve();
  #started = false;
  #stopped = false;
  /** Problems reported on the status topic (the state directory's here; the panel's from main). */
  readonly faults: Faults;
  readonly #unwatchFaults: () => void;
  /** The day's takings, persisted with the sale; cleared at the shop's day boundary. */
  readonly #takings: TakingsBook;

  constructor(ports: DevicePorts) {
    const c = ports.config;
    if (c.deviceId === undefined) throw new TillqrError('CONFIG_INVALID', 'deviceId is not set: provision the device first');
    this.deviceId = c.deviceId;
    this.#p = ports;
    this.#log = ports.logger;
    this.#ctx = saleContext(c);
    this.#inbound = {
      deviceId: c.deviceId,
      keys: new TrustedKeys(c.trust.backendKeys),
      skewSec: c.trust.clockSkewSec,
      maxPayloadBytes: c.mqtt.maxPayloadBytes,
    };
    this.#state = initialSaleState(ports.clock.now());
    this.#screen = screenFor(this.#state, this.#ctx);
    this.faults = ports.faults ?? new Faults(() => ports.clock.now());
    this.#unwatchFaults = this.faults.onChange(() => {
      if (this.#started && !this.#stopped) this.#publishStatus();
    });
    this.#takings = new TakingsBook({ clock: ports.clock, shop: () => this.#p.config.shop });
    this.#store = new DecisionStore({
      dir: ports.storeDir,
      now: () => this.#p.clock.now(),
      log: this.#log,
      faults: this.faults,
      publish: (ev) => this.#p.link.publishEvent(ev),
      durable: () => ({ sale: durablePart(this.#state), replay: this.#replay.snapshot(), ...this.#takings.persisted() }),
    });
  }

  /** Restore the persisted state, show the first screen and connect. */
  async start(): Promise<void> {
    if (this.#started) throw new TillqrError('INTERNAL', 'the device is already started');
    this.#started = true;
    const now = this.#p.clock.now();
    const saved = await this.#store.load();
    if (saved !== undefined) {
      this.#state = restoredSaleState(saved.sale, now);
      this.#replay = ReplayCache.restore(saved.replay, now);
      this.#takings.restore(saved.takings);
      this.#log.info('restored the payment state', {
        pending: saved.sale.pending?.orderId,
        replayEntries: this.#replay.size,
        history: saved.sale.history.length,
      });
    }
    this.#screen = screenFor(this.#state, this.#ctx);
    this.#show(this.#screen);
    this.#setTimer(nextDeadline(this.#state));
    this.#takings.start(() => this.#publishStatus());
    this.#publishStatus();
    this.#p.link.start({
      message: (m) => this.#enqueue(() => this.#onMessage(m)),
      online: () => void this.#enqueue(() => this.#apply({ type: 'link', at: this.#p.clock.now(), online: true })),
      offline: () => void this.#enqueue(() => this.#apply({ type: 'link', at: this.#p.clock.now(), online: false })),
    });
    // The last run may have stopped between writing a decision and publishing its events.
    this.#store.restoreOutbox(saved?.outbox);
    // A sale restored past its deadline ends now.
    await this.#enqueue(() => this.#apply({ type: 'tick', at: this.#p.clock.now() }));
  }

  /** Finish the work in hand, persist, say offline and disconnect. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#unwatchFaults();
    this.#takings.stop();
    if (this.#timer !== undefined) this.#p.clock.clearTimeout(this.#timer);
    await this.#queue;
    await this.#p.link.close();
    await this.#queue;
    if (this.#started) await this.#store.flush();
  }

  /**
   * Apply a changed configuration without a restart: trusted keys (rotation), clock skew, the
   * payload limit, the sale timings and the merchant's names and idle QR. A key list that does
   * not parse is refused (TillqrError JWS_BAD_KEY) and the old keys stay in force. deviceId,
   * stateDir and the broker connection need a restart.
   */
  applyConfig(c: Config): Promise<void> {
    const keys = new TrustedKeys(c.trust.backendKeys);
    return this.#enqueue(() => {
      this.#p = { ...this.#p, config: c };
      this.#inbound = { ...this.#inbound, keys, skewSec: c.trust.clockSkewSec, maxPayloadBytes: c.mqtt.maxPayloadBytes };
      this.#ctx = saleContext(c);
      this.#log.info('configuration applied', { backendKeys: keys.kids });
      // Names or the idle QR may have changed.
      const screen = screenFor(this.#state, this.#ctx);
      if (!sameScreen(screen, this.#screen)) {
        this.#screen = screen;
        this.#show(screen);
      }
      return Promise.resolve();
    });
  }

  /** The button's short press: cancel the pending sale. */
  pressButton(): Promise<void> {
    return this.#enqueue(() => this.#apply({ type: 'button', at: this.#p.clock.now() }));
  }

  /** Last accepted payments, newest first. */
  history(): readonly HistoryEntry[] {
    return this.#state.history;
  }

  /** Today's takings: count and sum of paid sales per currency since the shop's day began. */
  takings(): Takings {
    return this.#takings.today();
  }

  get screen(): Screen {
    return this.#screen;
  }

  get saleState(): SaleState {
    return this.#state;
  }

  /** Resolves when all queued work is done (for tests and orderly shutdown). */
  idle(): Promise<void> {
    return this.#queue;
  }

  #enqueue(task: () => Promise<void>): Promise<void> {
    const run = this.#queue.then(async () => {
      try {
        await task();
      } catch (e) {
        this.#log.error('internal error while handling work', { error: e });
      }
    });
    this.#queue = run;
    return run;
  }

  async #onMessage(m: InboundMessage): Promise<void> {
    const now = this.#p.clock.now();
    let decision;
    try {
      decision = checkInbound(m.topic, m.payload, m.dup, now, { ...this.#inbound, replay: this.#replay });
    } catch (e) {
      this.#log.error('internal error while checking a message', { topic: m.topic, error: e });
      this.#p.link.publishEvent({
        type: 'rejected',
        reason: 'internal',
        at: sec(now),
        detail: 'the device failed while checking the message (a bug; it is logged)',
      });
      return;
    }
    if (decision.kind === 'reject') {
      this.#log.warn('refused a message', { topic: m.topic, reason: decision.reason, detail: decision.detail, orderId: decision.orderId });
      const { orderId, jti, reason, detail, same } = decision;
      this.#p.link.publishEvent({
        type: 'rejected',
        ...(orderId !== undefined ? { orderId } : {}),
        reason,
        at: sec(now),
        ...(jti !== undefined ? { jti } : {}),
        ...(same === true ? { same } : {}),
        detail,
      });
      return;
    }
    if (decision.kind === 'duplicate') {
      // Redelivered because the last run stopped before its PUBACK: maybe before the events too.
      if (this.#store.releaseFor(decision.jti)) return;
      this.#log.info('acknowledged a broker redelivery of an accepted message', { topic: m.topic, jti: decision.jti });
      return;
    }
    const evicted = this.#replay.add(decision.jti, now, decision.rememberUntil);
    if (evicted > 0) this.#log.warn('the replay cache is full: forgot live entries', { evicted });
    if (decision.message.typ === 'charge' && this.#p.screen.ready?.() === false) {
      // No QR can reach a customer: say so rather than `displayed` (the pending sale, if any, stays).
      this.#log.warn('refused a charge: the panel is not available', { orderId: decision.message.orderId });
      const detail = 'the panel cannot be opened (PANEL_UNAVAILABLE on the status topic): no QR could be shown; send the charge again once the fault is gone';
      await this.#store.persistThenPublish(
        [{ type: 'rejected', orderId: decision.message.orderId, reason: 'display_unavailable', at: sec(now), jti: decision.jti, detail }],
        decision.jti,
      );
      return;
    }
    const event = toSaleEvent(decision.message, now, this.#p.config.merchant, this.#p.buildDynamicQr);
    if ('reject' in event) {
      this.#log.warn('refused a charge', { orderId: decision.message.orderId, reason: 'no_qr', detail: event.reject });
      await this.#store.persistThenPublish(
        [{ type: 'rejected', orderId: decision.message.orderId, reason: 'no_qr', at: sec(now), jti: decision.jti, detail: clipDetail(event.reject) }],
        decision.jti,
      );
      return;
    }
    if (
      event.type === 'charge' &&
      this.#p.screen.fits?.(chargeScreenOf({ ...event.charge, deadline: event.charge.expiresAt * 1000, shownAt: now }, this.#ctx)) === false
    ) {
      // Nothing is shown: a customer never sees a QR whose amount is cut or missing.
      this.#log.warn('refused a charge: its amount cannot be shown whole on this panel', { orderId: event.charge.orderId });
      const detail = 'the amount cannot be shown whole on this panel in its mounting and display language';
      await this.#store.persistThenPublish(
        [{ type: 'rejected', orderId: event.charge.orderId, reason: 'amount_unshowable', at: sec(now), jti: decision.jti, detail }],
        decision.jti,
      );
      return;
    }
    await this.#apply(
      event,
      (effects) => {
        const rejected = effects.some((e) => e.kind === 'publish' && e.event.type === 'rejected');
        if (!rejected) this.#replay.markAccepted(decision.jti, decision.digest);
      },
      true,
      decision.jti,
      decision.message,
    );
  }

  /** Step the machine and carry out its effects: signal and screen now, then persist, then publish. */
  async #apply(event: SaleEvent, afterStep?: (effects: readonly SaleEffect[]) => void, forcePersist = false, jti?: string, msg?: SignedMessage): Promise<void> {
    const before = this.#state;
    const { state, effects } = step(before, event, this.#ctx);
    this.#state = state;
    afterStep?.(effects);
    const events: DeviceEvent[] = [];
    let persist = forcePersist;
    for (const e of effects) {
      switch (e.kind) {
        case 'signal':
          this.#signal(e.event);
          break;
        case 'show':
          this.#screen = e.screen;
          this.#show(e.screen);
          break;
        case 'timer':
          break; // reconciled below from the state itself
        case 'publish':
          events.push(...(msg !== undefined ? annotateEvents([e.event], msg, before, event.at) : [e.event]));
          break;
        case 'persist':
          persist = true;
          break;
      }
    }
    this.#setTimer(nextDeadline(state));
    const said = announcementsOf(before, state, events);
    for (const a of said) if (a.type === 'paid') this.#takings.record(a.amount, a.currency);
    if (state.phase !== before.phase) this.#publishStatus();
    for (const ev of events) this.#log.info(`sale ${ev.type}`, { orderId: ev.orderId, reason: ev.reason });
    if (persist) await this.#store.persistThenPublish(events, jti);
    else for (const ev of events) this.#p.link.publishEvent(ev);
    // Off the decision path: the signal has fired, the decision is on disk, `paid` is out.
    for (const a of said) this.#say(a);
  }

  #say(a: SaleAnnouncement): void {
    try {
      this.#p.announce?.(a);
    } catch (e) {
      this.#log.error('the voice failed', { announcement: a.type, error: e });
    }
  }

  #signal(event: SignalEvent): void {
    try {
      this.#p.indicator.play(event);
    } catch (e) {
      this.#log.error('the indicator failed', { event, error: e });
    }
  }

  #show(screen: Screen): void {
    try {
      this.#p.screen.show(screen);
    } catch (e) {
      this.#log.error('the screen failed', { screen: screen.name, error: e });
    }
  }

  /** Keep one timer pointed at the next deadline (a tick that came early re-arms it). */
  #setTimer(at: number | undefined): void {
    if (at === this.#timerAt && this.#timer !== undefined) return;
    if (this.#timer !== undefined) this.#p.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = at;
    if (at === undefined || this.#stopped) return;
    this.#timer = this.#p.clock.setTimeout(
      () => {
        this.#timer = undefined;
        void this.#enqueue(() => this.#apply({ type: 'tick', at: Math.max(this.#p.clock.now(), at) }));
      },
      Math.max(0, at - this.#p.clock.now()),
    );
  }

  #publishStatus(): void {
    const ph = this.#state.phase;
    const faults = this.faults.codes();
    const takings = this.#takings.today();
    this.#p.link.setStatus({ state: ph.name, version: this.#p.version, since: sec(ph.since), ...(faults.length > 0 ? { faults } : {}), takings });
  }
}
