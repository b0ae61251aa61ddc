/**
 * The fleet agent of one device: desired configuration and software updates over MQTT. Built by
 * src/main.ts (or a test, or the fleet benchmark, hundreds per process) from the configuration
 * store, a FleetHost (what the rest of the daemon tells and does) and a FleetChannel.
 *
 * Subscriptions: <prefix>/<id>/config/desired, <prefix>/groups/<g>/config/desired for each of
 * mqtt.groups, <prefix>/<id>/update, <prefix>/<id>/stream/data and <prefix>/fleet/ping (a sweep:
 * config/reported and update/status are published again, after a random delay below its spreadMs).
 */
import type { ConfigStore } from '../config/config-store.js';
import type { Clock, TimerHandle } from '../core/clock.js';
import { TillqrError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { FleetTopics, fleetPingSchema, type FleetHello, type ReportedConfig, type UpdateStatus } from '../link/contract-fleet.js';
import { parseJsonPayload } from '../link/json-payload.js';
import { TrustedKeys } from '../payment/jws.js';
import { DesiredConfig } from './desired-config.js';
import type { FleetChannel, FleetHost } from './ports.js';
import { ReleaseDir } from './releases.js';
import { decodeFrame } from './stream-codec.js';
import { UpdateAgent } from './update-agent.js';
import { secretValues } from './release-check.js';
import { configSchema } from '../config/schema.js';

export interface FleetAgentOptions {
  readonly store: ConfigStore;
  readonly host: FleetHost;
  readonly channel: FleetChannel;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Jitter for sweep answers (tests pin it). */
  readonly random?: () => number;
}

export class FleetAgent {
  readonly topics: FleetTopics;
  readonly desired: DesiredConfig;
  readonly updates: UpdateAgent;
  readonly #o: FleetAgentOptions;
  readonly #groups: readonly string[];
  #restartWanted: string | undefined;
  #offIdle: (() => void) | undefined;
  #offConfig: (() => void) | undefined;
  #stopping: Promise<void> | undefined;
  #lastUpdate: UpdateStatus | undefined;
  #pingAnswer: TimerHandle | undefined;

  constructor(o: FleetAgentOptions) {
    const c = o.store.current;
    if (c.deviceId === undefined) throw new TillqrError('CONFIG_INVALID', 'deviceId is not set: provision the device first');
    this.#o = o;
    this.#groups = [...c.mqtt.groups];
    this.topics = new FleetTopics(c.mqtt.topicPrefix, c.deviceId);
    const log = o.logger;
    this.desired = new DesiredConfig({
      store: o.store,
      deviceId: c.deviceId,
      groups: this.#groups,
      fleetKeys: new TrustedKeys(c.trust.fleetKeys),
      skewSec: c.trust.clockSkewSec,
      stateDir: c.stateDir,
      clock: o.clock,
      logger: log.child('config'),
      report: (r) => this.#report(r),
      restartNeeded: (keys) => this.#wantRestart(`configuration keys ${keys.join(', ')} need a restart`),
    });
    this.updates = new UpdateAgent({
      host: o.host,
      fleet: c.fleet,
      skewSec: c.trust.clockSkewSec,
      deviceId: c.deviceId,
      stateDir: c.stateDir,
      releases: new ReleaseDir(c.fleet.releaseRoot),
      releaseKeys: new TrustedKeys(c.trust.releaseKeys),
      clock: o.clock,
      logger: log.child('update'),
      publishStatus: (s) => this.#status(s),
      requestBlocks: (r) => o.channel.publish(this.topics.device('stream/get'), JSON.stringify(r), { retain: false }),
      connected: () => o.channel.connected,
      configFile: { path: o.store.path, env: o.store.env, secrets: () => secretValues(configSchema, o.store.current) },
    });
  }

  get subscriptions(): string[] {
    return [
      this.topics.device('config/desired'),
      ...this.#groups.map((g) => this.topics.group(g)),
      this.topics.device('update'),
      this.topics.device('stream/data'),
      this.topics.ping(),
    ];
  }

  async start(): Promise<void> {
    await this.desired.start();
    await this.updates.start();
    // The committed release's config snapshot follows every change (decision 0008; updates.start took the first).
    this.#offConfig = this.#o.store.onChange(() => void this.updates.configChanged());
    this.#o.channel.start(this.subscriptions, {
      message: (topic, payload) => this.#message(topic, payload),
      online: () => {
        // Ask for the documents again (decision 0012): a cluster may hold their retained copies on another node.
        const hello: FleetHello = { typ: 'hello', memberOf: [...this.#groups], at: Math.floor(this.#o.clock.now() / 1000) };
        this.#o.channel.publish(this.topics.hello(), JSON.stringify(hello), { retain: false });
        this.#report(this.desired.reported());
        this.updates.online();
      },
      offline: () => this.updates.offline(),
    });
  }

  /** Stop once (a factory reset stops the agent before the daemon's own stop does). */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#offIdle?.();
      this.#offConfig?.();
      if (this.#pingAnswer !== undefined) this.#o.clock.clearTimeout(this.#pingAnswer);
      await this.updates.stop();
      await this.#o.channel.close();
    })();
    return this.#stopping;
  }

  #message(topic: string, payload: Buffer): void {
    try {
      if (topic === this.topics.device('stream/data')) {
        const f = decodeFrame(payload);
        if (f.ok) this.updates.frame(f.header, f.data);
        else this.#o.logger.warn('ignored a malformed stream frame', { problem: f.problem });
      } else if (topic === this.topics.device('update')) {
        this.updates.receive(payload);
      } else if (topic === this.topics.ping()) {
        this.#answerPing(payload);
      } else if (topic === this.topics.device('config/desired')) {
        void this.desired.receive(payload, undefined).catch((e: unknown) => this.#o.logger.error('desired configuration failed', { error: e }));
      } else {
        const g = this.topics.groupOf(topic);
        if (g !== undefined && this.#groups.includes(g))
          void this.desired.receive(payload, g).catch((e: unknown) => this.#o.logger.error('desired configuration failed', { error: e }));
        else this.#o.logger.warn('ignoring a message on an unexpected fleet topic', { topic });
      }
    } catch (e) {
      this.#o.logger.error('internal error while handling a fleet message', { topic, error: e });
    }
  }

  /**
   * A sweep: publish what the operator's view is made of again, once, after the ping's spread. Not
   * retained: the retained copies already hold these very bytes (each is published retained when
   * it changes and on every connect), and a retained publish costs a clustered broker a write to
   * its retained store per device (RabbitMQ: a dets write on the node) for nothing.
   */
  #answerPing(payload: Buffer): void {
    const ping = parseJsonPayload(fleetPingSchema, payload);
    if (ping === undefined) {
      this.#o.logger.warn('ignored a malformed fleet ping');
      return;
    }
    if (this.#pingAnswer !== undefined) return;
    const delay = Math.floor((this.#o.random ?? Math.random)() * (ping.spreadMs ?? 0));
    this.#pingAnswer = this.#o.clock.setTimeout(() => {
      this.#pingAnswer = undefined;
      this.#report(this.desired.reported(), false);
      if (this.#lastUpdate !== undefined) this.#status(this.#lastUpdate, false);
    }, delay);
  }

  #report(r: ReportedConfig, retain = true): void {
    this.#o.channel.publish(this.topics.device('config/reported'), JSON.stringify(r), { retain });
  }

  #status(s: UpdateStatus, retain = true): void {
    this.#lastUpdate = s;
    this.#o.channel.publish(this.topics.device('update/status'), JSON.stringify(s), { retain });
  }

  /** Restart for restart-only keys once no sale is on screen and no update is running (an update restarts anyway). */
  #wantRestart(reason: string): void {
    this.#restartWanted = reason;
    const tryNow = (): void => {
      if (this.#restartWanted === undefined || this.#o.host.saleActive() || this.updates.busy) return;
      this.#offIdle?.();
      this.#offIdle = undefined;
      this.#o.host.restart(this.#restartWanted);
      this.#restartWanted = undefined;
    };
    this.#offIdle ??= this.#o.host.onIdle(tryNow);
    tryNow();
  }
}
