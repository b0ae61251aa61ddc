/**
 * `tillqr sim` as an object: the embedded broker (or a given one), the real daemon started by
 * src/main.ts with `hardware: "sim"`, the backend acting over MQTT with the dev key, and the page
 * server that shows the simulated panel, LED and buzzer live. The CLI and the e2e test both use
 * this; nothing here decides anything about a sale.
 */
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { TillqrError } from '../core/errors.js';
import { createLogger, type LogSink, type Logger } from '../core/logger.js';
import type { PanelId } from '../display/config.js';
import type { SimFrameEvent } from '../display/drivers/sim-panel.js';
import type { RefreshMode } from '../display/panel.js';
import { PANELS } from '../display/panels.js';
import { encodePng, viewOf } from '../display/render/png.js';
import { brokerLabel } from '../link/mqtt-link.js';
import { startDaemon, type Daemon, type DaemonOptions } from '../main.js';
import { startConsolePty, type ConsolePty } from './console-pty.js';
import { loadOrCreateDevKey, type SimKey } from './dev-keys.js';
import { EmbeddedBroker } from './broker.js';
import { probeProtocolVersion } from './broker-probe.js';
import { frameMessage, type FrameMessage } from './frame-message.js';
import { PageServer } from './page-server.js';
import { publicDir } from './public-dir.js';
import { simActions } from './sim-actions.js';
import { SimBackend, type BackendFeed } from './sim-backend.js';
import { DEFAULT_DISPLAY, previousDisplay, SIM_DEVICE_ID, writeSimConfig, type Rotation, type SimDisplay, type TrustedBackendKey } from './sim-config.js';
import { signalMessage, simSnapshot } from './snapshot.js';
import { SseHub } from './sse.js';

export interface SimulatorOptions {
  /** Where the sim config, dev key and device state live (created if missing). */
  readonly stateDir: string;
  /** Page port (0 = any free one). */
  readonly httpPort: number;
  /** Embedded broker port (0 = any free one); ignored with brokerUrl. */
  readonly mqttPort: number;
  /** Use this broker instead of the embedded one (MQTT 5). */
  readonly brokerUrl?: string;
  readonly panel?: PanelId;
  readonly rotation?: Rotation;
  /** Backend public keys the simulated till trusts beside the dev key (`--trust`). */
  readonly trustedKeys?: readonly TrustedBackendKey[];
  readonly env: NodeJS.ProcessEnv;
  /** Daemon and simulator log lines (default stdout). */
  readonly logSink?: LogSink;
}

export type DaemonState = 'running' | 'restarting' | 'stopped';

export type LogEntry = BackendFeed | { readonly kind: 'note'; readonly at: number; readonly text: string };

const LOG_SIZE = 200;

function daemonOptions(configPath: string, o: SimulatorOptions, onRestart: (why: string) => void): DaemonOptions {
  return { configPath, env: o.env, onRestart, ...(o.logSink !== undefined ? { logSink: o.logSink } : {}) };
}

export class Simulator {
  readonly pageUrl: string;
  readonly brokerUrl: string;
  readonly embedded: boolean;
  readonly stateDir: string;
  readonly devKey: SimKey;
  /** The technician's end of the simulated serial console (picocom, tillqr provision --port), when socat is installed. */
  readonly consolePath: string | undefined;
  readonly backend: SimBackend;
  readonly log: LogEntry[] = [];
  readonly #o: SimulatorOptions;
  readonly #logger: Logger;
  readonly #hub: SseHub;
  readonly #page: PageServer;
  readonly #broker: EmbeddedBroker | undefined;
  readonly #pty: ConsolePty | undefined;
  #daemon: Daemon;
  #daemonState: DaemonState = 'running';
  #detach: (() => void) | undefined;
  #frame: FrameMessage | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #stopped = false;

  private constructor(p: {
    o: SimulatorOptions;
    logger: Logger;
    hub: SseHub;
    page: PageServer;
    broker: EmbeddedBroker | undefined;
    brokerUrl: string;
    daemon: Daemon;
    backend: SimBackend;
    devKey: SimKey;
    pty: ConsolePty | undefined;
  }) {
    this.#pty = p.pty;
    this.consolePath = p.pty?.technicianPath;
    this.#o = p.o;
    this.#logger = p.logger;
    this.#hub = p.hub;
    this.#page = p.page;
    this.#broker = p.broker;
    this.#daemon = p.daemon;
    this.backend = p.backend;
    this.devKey = p.devKey;
    this.pageUrl = p.page.url;
    this.brokerUrl = p.brokerUrl;
    this.embedded = p.broker !== undefined;
    this.stateDir = resolve(p.o.stateDir);
  }

  static async start(o: SimulatorOptions): Promise<Simulator> {
    const stateDir = resolve(o.stateDir);
    const logger = createLogger('tillqr.sim', o.logSink !== undefined ? { sink: o.logSink } : {});
    await mkdir(stateDir, { recursive: true, mode: 0o700 });
    const dev = await loadOrCreateDevKey(stateDir);
    if (dev.created)
      logger.info('made a simulator development key', { kid: dev.key.kid, ...(dev.keptAside !== undefined ? { unreadableKeptAs: dev.keptAside } : {}) });
    const cleanup: (() => Promise<void>)[] = [];
    const hub = new SseHub();
    cleanup.push(() => Promise.resolve(hub.close()));
    try {
      let broker: EmbeddedBroker | undefined;
      if (o.brokerUrl === undefined) {
        broker = await EmbeddedBroker.start({ port: o.mqttPort, logger: logger.child('broker') });
        const b = broker;
        cleanup.push(() => b.close());
      }
      const brokerUrl = o.brokerUrl ?? (broker as EmbeddedBroker).url;
      // aedes speaks MQTT 3.1.1 only; a given broker is asked.
      const protocolVersion = broker !== undefined ? 4 : await probeProtocolVersion(brokerUrl);
      // The page's actions reach the simulator through this box once it exists.
      const box: { sim?: Simulator } = {};
      const page = await PageServer.start({
        port: o.httpPort,
        publicDir: publicDir(),
        hub,
        logger: logger.child('page'),
        api: {
          snapshot: () => (box.sim !== undefined ? box.sim.snapshot() : { starting: true }),
          framePng: () => box.sim?.framePng(),
          actions: simActions(() => {
            if (box.sim === undefined) throw new TillqrError('LINK_NOT_CONNECTED', 'the simulator is still starting');
            return box.sim;
          }),
        },
      });
      cleanup.push(() => page.close());
      const prev = await previousDisplay(stateDir);
      const display: SimDisplay = { panel: o.panel ?? prev.panel ?? DEFAULT_DISPLAY.panel, rotation: o.rotation ?? prev.rotation ?? DEFAULT_DISPLAY.rotation };
      const pty = await startConsolePty(stateDir);
      if ('unavailable' in pty) logger.warn('no simulated serial console', { reason: pty.unavailable });
      else cleanup.push(() => pty.close());
      const consolePort = 'unavailable' in pty ? undefined : pty.devicePath;
      const { path } = await writeSimConfig({
        stateDir,
        deviceId: SIM_DEVICE_ID,
        mqttUrl: brokerUrl,
        protocolVersion,
        display,
        devKey: dev.key,
        ...(o.trustedKeys !== undefined ? { trustedKeys: o.trustedKeys } : {}),
        ...(consolePort !== undefined ? { consolePort } : {}),
      });
      const daemon = await startDaemon(daemonOptions(path, o, (why) => void box.sim?.daemonAskedToRestart(why)));
      cleanup.push(() => daemon.stop());
      const m = daemon.config;
      if (m.deviceId === undefined || m.merchant === undefined)
        throw new TillqrError('INTERNAL', 'the daemon did not take the simulator config (no deviceId or merchant)');
      const backend = await SimBackend.connect({
        url: brokerUrl,
        protocolVersion,
        topicPrefix: m.mqtt.topicPrefix,
        deviceId: m.deviceId,
        devKey: dev.key,
        merchant: m.merchant,
        ...(m.mqtt.username !== undefined ? { username: m.mqtt.username } : {}),
        ...(m.mqtt.password !== undefined ? { password: m.mqtt.password } : {}),
      });
      const sim = new Simulator({ o, logger, hub, page, broker, brokerUrl, daemon, backend, devKey: dev.key, pty: 'unavailable' in pty ? undefined : pty });
      backend.onFeed((f) => sim.#record(f));
      backend.onSale((sale) => hub.broadcast('sale', sale));
      sim.#attach();
      box.sim = sim;
      // A page opened while we were starting got `starting`; give it the real state now.
      hub.broadcast('hello', sim.snapshot());
      return sim;
    } catch (e) {
      for (const c of cleanup.reverse()) await c().catch(() => undefined);
      throw e;
    }
  }

  /** The broker URL without credentials, for printing. */
  get brokerLabel(): string {
    return brokerLabel(this.brokerUrl);
  }

  get daemon(): Daemon {
    return this.#daemon;
  }

  get daemonState(): DaemonState {
    return this.#daemonState;
  }

  get frame(): FrameMessage | undefined {
    return this.#frame;
  }

  get display(): SimDisplay {
    const d = this.#daemon.config.display;
    return { panel: d.panel, rotation: this.#daemon.configStore.current.display.rotation };
  }

  snapshot(): unknown {
    return simSnapshot(this);
  }

  framePng(): Buffer | undefined {
    const last = this.#daemon.sim?.panel.last;
    return last === undefined ? undefined : encodePng(viewOf(last.frame, this.display.rotation));
  }

  /** Run page actions one at a time (a panel change restarts the daemon under them). */
  serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task, task);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Press the simulated button (cancels a pending sale). */
  pressButton(): void {
    const pin = this.#daemon.config.signal.button?.pin;
    const gpio = this.#daemon.sim?.gpio;
    if (pin === undefined || gpio === undefined) throw new TillqrError('USAGE', 'this configuration has no button');
    gpio.pressFor(pin, 120);
  }

  /** Rotation applies live through the ConfigStore; a new panel restarts the daemon with it. */
  async setDisplay(next: Partial<SimDisplay>): Promise<SimDisplay> {
    const cur = this.display;
    if (next.rotation !== undefined && next.rotation !== cur.rotation) {
      await this.#daemon.configStore.setText('display.rotation', String(next.rotation), 'simulator page');
      this.note(`rotation set to ${next.rotation}° (applies live)`);
    }
    if (next.panel !== undefined && next.panel !== cur.panel) {
      await this.#daemon.configStore.setText('display.panel', next.panel, 'simulator page');
      await this.#restartDaemon(`panel changed to ${next.panel}`);
    }
    this.#hub.broadcast('display', this.display);
    return this.display;
  }

  /** Tell every open page something (an SSE event). */
  broadcast(event: string, data: unknown): void {
    this.#hub.broadcast(event, data);
  }

  note(text: string): void {
    this.#record({ kind: 'note', at: Date.now(), text });
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    await this.#queue;
    this.#detach?.();
    this.#hub.close();
    await this.#page.close();
    await this.backend.close().catch(() => undefined);
    await this.#daemon.stop();
    this.#daemonState = 'stopped';
    await this.#pty?.close();
    await this.#broker?.close();
  }

  /** The daemon stopped itself to restart (after provisioning, a fleet release, a console `restart`): start it again here. */
  daemonAskedToRestart(why: string): Promise<void> {
    const run = this.#queue.then(() => this.#restartDaemon(why));
    this.#queue = run.catch((e: unknown) => this.#logger.error('the daemon did not restart', { error: e }));
    return run;
  }

  async #restartDaemon(why: string): Promise<void> {
    this.#setDaemonState('restarting');
    this.note(`restarting the daemon: ${why}`);
    this.#detach?.();
    this.#detach = undefined;
    await this.#daemon.stop();
    this.#frame = undefined;
    try {
      this.#daemon = await startDaemon(daemonOptions(this.#daemon.configStore.path, this.#o, (w) => void this.daemonAskedToRestart(w)));
    } catch (e) {
      this.#setDaemonState('stopped');
      this.note(`the daemon did not start again: ${e instanceof Error ? e.message : String(e)}`);
      throw e;
    }
    this.#attach();
    this.#setDaemonState('running');
    this.#logger.info('daemon restarted', { why, panel: this.#daemon.config.display.panel });
  }

  #setDaemonState(s: DaemonState): void {
    this.#daemonState = s;
    this.#hub.broadcast('daemon', { state: s });
  }

  /** Follow the simulated panel and signals of the current daemon. */
  #attach(): void {
    const sim = this.#daemon.sim;
    if (sim === undefined) throw new TillqrError('INTERNAL', 'the daemon was not started with hardware "sim"');
    const info = PANELS[this.#daemon.config.display.panel];
    const onFrame = (ev: SimFrameEvent): void => {
      this.#frame = frameMessage(ev, info, this.display.rotation);
      this.#hub.broadcast('frame', this.#frame);
    };
    const onRefresh = (ev: { mode: RefreshMode }): void => this.#hub.broadcast('refresh', { mode: ev.mode });
    sim.panel.on('frame', onFrame);
    sim.panel.on('refresh-start', onRefresh);
    const daemon = this.#daemon;
    const offSignal = sim.signals.onChange((s) => this.#hub.broadcast('signal', signalMessage(s, daemon)));
    // The WAV the till plays (the page plays it when "sound" is ticked).
    const offVoice = daemon.voice.announcer.onPlay((p) =>
      this.#hub.broadcast('voice', { kind: p.phrase.kind, lang: p.phrase.lang, text: p.phrase.shown, wav: Buffer.from(p.wav).toString('base64') }),
    );
    const last = sim.panel.last;
    if (last !== undefined) onFrame(last);
    this.#hub.broadcast('signal', signalMessage(sim.signals.snapshot(), daemon));
    this.#hub.broadcast('display', this.display);
    this.#detach = () => {
      sim.panel.off('frame', onFrame);
      sim.panel.off('refresh-start', onRefresh);
      offSignal();
      offVoice();
    };
  }

  #record(entry: LogEntry): void {
    this.log.push(entry);
    if (this.log.length > LOG_SIZE) this.log.splice(0, this.log.length - LOG_SIZE);
    this.#hub.broadcast('log', entry);
    if (entry.kind === 'status') this.#hub.broadcast('status', entry.status);
  }
}
