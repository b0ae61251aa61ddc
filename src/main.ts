/**
 * The composition root: the only place that builds drivers and clients. It reads the
 * configuration, builds the real parts on a Pi or their simulated twins (`hardware: "sim"`), and
 * passes them into the Device through constructors. Nothing here decides anything about a sale.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { ConfigStore } from './config/config-store.js';
import { compatWarnings, missingForService } from './config/load.js';
import type { Config } from './config/schema.js';
import { systemClock, type Clock } from './core/clock.js';
import { Faults } from './core/faults.js';
import { createLogger, memorySink, type Logger, type LogSink } from './core/logger.js';
import type { Screen } from './core/screen.js';
import { NmcliNetwork } from './console/nmcli-network.js';
import { SimNetwork } from './console/network-sim.js';
import { consolePortFor } from './console/header-uart.js';
import { SerialConsole } from './console/serial-console.js';
import { wireButton } from './daemon/button-actions.js';
import { daemonConsoleTarget } from './daemon/console-target.js';
import { Device } from './daemon/device.js';
import { FleetAgent } from './fleet/fleet-agent.js';
import { FleetMqtt } from './fleet/fleet-mqtt.js';
import { RESTART_EXIT_CODE } from './fleet/ports.js';
import { SdNotify } from './fleet/sd-notify.js';
import { EventLoopCheck, ServiceWatchdog } from './fleet/service-watchdog.js';
import { DisplayService } from './display/display-service.js';
import { realPanelOpener } from './display/drivers/panel-drivers.js';
import { SimPanel } from './display/drivers/sim-panel.js';
import { PanelSupervisor, type PanelOpener } from './display/panel-supervisor.js';
import { panelInfo } from './display/panels.js';
import { defaultFontFiles, missingFonts } from './display/render/fonts/font-files.js';
import { Renderer } from './display/render/renderer.js';
import { MqttLink } from './link/mqtt-link.js';
import { SimGpio } from './signal/drivers/sim-gpio.js';
import { SimPwm } from './signal/drivers/sim-pwm.js';
import { SimSignalState } from './signal/drivers/sim-signal-state.js';
import { SysfsGpio } from './signal/drivers/sysfs-gpio.js';
import { SysfsPwm } from './signal/drivers/sysfs-pwm.js';
import { FaultIndicator } from './signal/fault-indicator.js';
import type { Gpio } from './signal/gpio.js';
import { liveConfig, openSignals, type Signals } from './signal/open-signals.js';
import { readPwmAudioFinding } from './signal/pwm-audio.js';
import type { Pwm } from './signal/pwm.js';
import { settleOwner } from './store/owner-change.js';
import { bundleTlsDir } from './store/owner-state.js';
import { VERSION } from './version.js';
import { localMinutes } from './signal/quiet-hours.js';
import { Announcer } from './voice/announcer.js';
import { AplaySpeaker } from './voice/drivers/aplay.js';
import { EspeakNgEngine } from './voice/drivers/espeak-ng.js';
import { SimSpeaker } from './voice/drivers/sim-speaker.js';
import { announcerSettings, languageOf } from './voice/settings.js';
import { takingsLine } from './voice/takings-text.js';
import { Voice } from './voice/voice.js';
import { WavCache } from './voice/wav-cache.js';

export interface DaemonOptions {
  configPath: string;
  env: NodeJS.ProcessEnv;
  /** Where log lines go (default stdout, for journald). */
  logSink?: LogSink;
  clock?: Clock;
  /**
   * Asked for by the console (restart after provisioning) and the fleet (new release, restart-only
   * keys) once the daemon has stopped. Default: exit with RESTART_EXIT_CODE so systemd starts it
   * again; the simulator starts a new daemon in the same process instead.
   */
  onRestart?: (reason: string) => void;
  /**
   * An invalid configuration does not throw CONFIG_INVALID: the daemon starts degraded — display,
   * LED and the console (on its configured port if that section is valid, else the default), no
   * payments, no link — so a technician can repair it (`set`, then `restart`). Decision 0008.
   */
  degradedOnInvalidConfig?: boolean;
  /**
   * Simulator only (`hardware: "sim"`): script the simulated parts before the daemon opens them,
   * e.g. `(sim) => sim.panel.unplug()` for a till whose panel is missing at start.
   */
  prepareSim?: (sim: SimParts) => void;
}

export interface SimParts {
  readonly panel: SimPanel;
  readonly signals: SimSignalState;
  readonly gpio: SimGpio;
  readonly pwm: SimPwm;
}

export interface Daemon {
  readonly config: Config;
  readonly configStore: ConfigStore;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Undefined while the device is not provisioned. */
  readonly device: Device | undefined;
  readonly display: DisplayService;
  readonly signals: Signals;
  /** Present when config.hardware === 'sim': the simulated parts, observable and drivable. */
  readonly sim: SimParts | undefined;
  readonly console: SerialConsole | undefined;
  readonly fleet: FleetAgent | undefined;
  /** The voice (src/voice): its announcer's onPlay hears each sound (the simulator page plays it). */
  readonly voice: Voice;
  stop(): Promise<void>;
}

interface Hardware {
  gpio: Gpio;
  pwm: Pwm | undefined;
  /** The panel behind its supervisor: opened (and retried with back-off) by `panel.start()`, never failing the start. */
  panel: PanelSupervisor;
  sim: SimParts | undefined;
}

function buildHardware(c: Config, clock: Clock, log: Logger, prepareSim?: (sim: SimParts) => void): Hardware {
  const info = panelInfo(c.display.panel);
  const supervised = (open: PanelOpener): PanelSupervisor => new PanelSupervisor({ info, open, clock, logger: log.child('panel') });
  if (c.hardware === 'sim') {
    const gpio = new SimGpio({ clock });
    const pwm = new SimPwm({ clock });
    const panel = new SimPanel(info, { clock, busyTimeoutMs: c.display.busyTimeoutMs });
    const signals = new SimSignalState({ gpio, pwm, clock, config: c.signal });
    const sim = { panel, signals, gpio, pwm };
    prepareSim?.(sim);
    return { gpio, pwm, panel: supervised(() => panel.open()), sim };
  }
  const gpio = new SysfsGpio({ clock, logger: log.child('gpio') });
  const pwm = c.signal.buzzer.kind === 'passive' ? new SysfsPwm({ clock, logger: log.child('pwm') }) : undefined;
  const open = realPanelOpener({ config: c.display, gpio, clock, logger: log.child('panel') });
  return { gpio, pwm, panel: supervised(open), sim: undefined };
}

/** An id for an unprovisioned device to show, so the technician can name it: the board serial, else the host name. */
async function hardwareId(): Promise<string> {
  for (const path of ['/proc/device-tree/serial-number', '/etc/machine-id']) {
    try {
      const text = (await readFile(path, 'utf8')).replace(/\0/g, '').trim();
      if (/^[0-9a-fA-F]{8,}$/.test(text)) return `tillqr-${text.slice(-8).toLowerCase()}`;
    } catch {
      // not on this machine; try the next
    }
  }
  return hostname();
}

export async function startDaemon(opts: DaemonOptions): Promise<Daemon> {
  const clock = opts.clock ?? systemClock();
  const startedAt = clock.now();
  const out: LogSink = opts.logSink ?? { write: (l) => process.stdout.write(l) };
  // The console's `log [N]` reads the recent lines; journald gets them all.
  const recent = memorySink(500);
  const sink: LogSink = { write: (l) => (recent.write(l), out.write(l)) };
  const store = await ConfigStore.open(opts.configPath, opts.env, createLogger('tillqr', { sink }), {
    degradeOnInvalid: opts.degradedOnInvalidConfig === true,
  });
  const config = store.current;
  const log = createLogger('tillqr', { level: config.logLevel, sink, ...(config.deviceId ? { base: { deviceId: config.deviceId } } : {}) });
  log.info('starting', { version: VERSION, hardware: config.hardware, panel: config.display.panel, config: opts.configPath });

  const hw = buildHardware(config, clock, log, opts.prepareSim);
  // Local time for quiet hours (buzzer and voice: one rule) and the shop's day: shop.timeZone, else the system's.
  const minutes = localMinutes(config.shop.timeZone);
  const signals = await openSignals({ config: config.signal, gpio: hw.gpio, pwm: hw.pwm, clock, logger: log.child('signal'), localMinutes: minutes });
  for (const p of signals.problems) log.error('a signal part is not available', { code: p.code, error: p.message });

  const display = new DisplayService({
    panel: hw.panel,
    renderer: new Renderer(),
    clock,
    logger: log.child('display'),
    config: () => {
      const d = store.current.display;
      return {
        rotation: d.rotation,
        language: d.language,
        secondLanguage: d.secondLanguage,
        lcdColour: d.lcdColour,
        countdownStepSec: d.countdownStepSec,
        partialRefreshLimit: d.partialRefreshLimit,
      };
    },
  });
  // Problems a technician must come for, on the status topic and the console.
  const faults = new Faults(() => clock.now());
  // The voice: espeak-ng into the WAV cache, played by aplay on voice.device (the simulated speaker in the simulator).
  const announcer = new Announcer({
    sounds: new WavCache({ stateDir: config.stateDir, engine: new EspeakNgEngine(), logger: log.child('voice.cache') }),
    speaker: config.hardware === 'sim' ? new SimSpeaker({ clock }) : new AplaySpeaker(),
    logger: log.child('voice'),
    faults,
    settings: () => announcerSettings(store.current, clock.now(), minutes),
  });
  const voice = new Voice({ announcer, language: () => languageOf(store.current) });
  const fontsMissing = missingFonts(defaultFontFiles());
  if (fontsMissing.length > 0) {
    log.error('fonts are missing: text is drawn as boxes', { missing: fontsMissing });
    faults.raise('fonts', 'FONTS_MISSING', fontsMissing.join('; ').slice(0, 300));
  }
  const clash = config.hardware === 'sim' ? undefined : await readPwmAudioFinding(config.signal.buzzer.kind);
  if (clash?.severity === 'fault') faults.raise('buzzer', 'PWM_SHARED_WITH_AUDIO', clash.message);
  if (clash !== undefined) log.warn('the passive buzzer and the audio jack', { error: clash.message });
  // A file this release reads only in part (a newer release wrote it, decision 0008): it runs on the keys it knows, and says so.
  const compat = store.compat;
  if (compat.newer || compat.ignored.length > 0)
    faults.raise('config', compat.newer ? 'CONFIG_NEWER' : 'CONFIG_UNKNOWN_KEY', compatWarnings(compat).join('; ').slice(0, 300));
  if (compat.invalid.length > 0) faults.raise('config', 'CONFIG_INVALID', compat.invalid.join('; ').slice(0, 300));
  display.on('panel-error', (e) => {
    log.error('the panel failed', { code: e.code, error: e.message });
    faults.raise('display', e.code, e.message);
  });
  display.on('drawn', () => faults.clear('display'));
  // What a customer waits for after power-on (and what the start-up benchmark times).
  display.once('drawn', () => log.info('first frame on the panel', { msSinceStart: Math.round(clock.now() - startedAt) }));
  // While the panel cannot be opened the LED shows the fault pattern; the first frame drawn ends it.
  const indicator = new FaultIndicator({ inner: signals.indicator, clock });
  display.on('panel-error', () => indicator.setFault(!display.available));
  display.on('drawn', () => indicator.setFault(false));
  await hw.panel.start();

  // Every screen the Device shows passes here, so the fleet learns when the till is idle.
  const idleListeners = new Set<() => void>();
  const screen = {
    show(s: Screen): void {
      display.show(s);
      if (s.name === 'idle') for (const l of idleListeners) l();
    },
    ready: () => display.available,
    fits: (s: Screen) => display.fits(s),
  };

  let device: Device | undefined;
  let link: MqttLink | undefined;
  let fleet: FleetAgent | undefined;
  let stopping: Promise<void> | undefined;
  // Opened degraded (an invalid known key): the console only, never payments on a guessed config.
  const missing = compat.invalid.length > 0 ? ['a valid configuration'] : missingForService(config);
  // The default console port is the header UART, which a Pi 5 names /dev/ttyAMA0 (src/console/header-uart.ts).
  const consolePort = config.hardware === 'pi' ? await consolePortFor(config.console.port) : config.console.port;
  const unprovisioned = async (): Promise<Screen> => ({ name: 'unprovisioned', deviceId: config.deviceId ?? (await hardwareId()), consolePort });
  const restingScreen = missing.length > 0 ? await unprovisioned() : ({ name: 'connecting', broker: config.mqtt.url } as const);

  const restart = async (reason: string): Promise<void> => {
    log.info('restarting', { reason });
    await stop();
    if (opts.onRestart) opts.onRestart(reason);
    else process.exit(RESTART_EXIT_CODE);
  };

  const unsubscribe = store.onChange((change) => {
    if (change.changed.some((k) => k.startsWith('signal.'))) signals.indicator.applyConfig(liveConfig(change.config.signal));
    if (change.changed.some((k) => k === 'display.rotation' || k === 'display.language' || k === 'display.secondLanguage' || k === 'display.lcdColour'))
      display.redraw();
    if (device !== undefined) void device.applyConfig(change.config);
    if (change.restartRequired.length > 0) log.warn('some changes apply after a restart', { keys: change.restartRequired });
  });

  if (missing.length > 0) {
    log.warn('not provisioned: waiting for a technician', { missing });
    display.show(restingScreen);
    indicator.play('provisioning');
  } else {
    const deviceId = config.deviceId as string;
    // A new owner (deviceId or trust.fleetKeys changed since the last start) gets none of the old one's state.
    const owner = await settleOwner({ stateDir: config.stateDir, configPath: store.path, config, logger: log.child('owner') });
    if (owner.error !== undefined) faults.raise('storage', owner.error.code, owner.error.message);
    link = new MqttLink({ mqtt: config.mqtt, deviceId, version: VERSION, clock, logger: log.child('link') });
    device = new Device({
      config,
      clock,
      logger: log.child('device'),
      link,
      screen,
      indicator,
      storeDir: config.stateDir,
      version: VERSION,
      faults,
      announce: (a) => voice.announce(a),
    });
    await device.start();
    const d = device;
    if (signals.button !== undefined) {
      wireButton({
        button: signals.button,
        device: d,
        display,
        clock,
        holdMs: config.sale.resultHoldSec * 1000,
        statusLines: () => [
          `${deviceId} · ${VERSION}`,
          `${d.saleState.phase.name} · broker ${link?.connected ? 'connected' : 'offline'}`,
          `${config.display.panel} · up ${Math.floor((clock.now() - startedAt) / 60_000)} min`,
          takingsLine(d.takings()),
        ],
        voice,
      });
    }
    fleet = new FleetAgent({
      store,
      clock,
      logger: log.child('fleet'),
      channel: new FleetMqtt({ mqtt: config.mqtt, deviceId, clock, logger: log.child('fleet.mqtt'), maxPacketBytes: config.fleet.blockSize + 4096 }),
      host: {
        version: VERSION,
        saleActive: () => d.saleState.phase.name !== 'idle',
        onIdle: (cb) => {
          idleListeners.add(cb);
          return () => idleListeners.delete(cb);
        },
        health: () => ({ brokerConnected: link?.connected ?? false, displayDrawn: display.healthy }),
        restart: (reason) => void restart(reason),
      },
    });
    await fleet.start();
  }

  const serialConsole = config.console.enabled
    ? new SerialConsole({
        store,
        target: daemonConsoleTarget({
          store,
          clock,
          startedAt,
          device: () => device,
          fleet: () => fleet,
          brokerConnected: () => link?.connected ?? false,
          display,
          faults,
          indicator: signals.indicator,
          restingScreen: () => restingScreen,
          restart,
          reboot: async () => {
            if (config.hardware === 'sim') {
              log.warn('reboot asked for in the simulator: restarting the daemon instead');
              return restart('reboot (simulated)');
            }
            await stop();
            spawn('systemctl', ['reboot'], { stdio: 'ignore', detached: true }).unref();
          },
        }),
        network: config.hardware === 'pi' ? new NmcliNetwork({ logger: log.child('network') }) : new SimNetwork(),
        clock,
        logger: log.child('console'),
        version: VERSION,
        logTail: (n: number) => recent.lines.slice(-n),
        tlsDir: bundleTlsDir(store.path),
        stateDir: config.stateDir,
        releaseRoot: config.fleet.releaseRoot,
        ...(consolePort !== config.console.port ? { path: consolePort } : {}),
      })
    : undefined;
  serialConsole?.start();

  // systemd: READY once the display has drawn and the broker is connected; watchdog pings only while healthy.
  const loop = new EventLoopCheck(clock);
  loop.start();
  const watchdog = new ServiceWatchdog({
    notify: new SdNotify(opts.env),
    clock,
    logger: log.child('systemd'),
    health: () => ({ brokerConnected: device === undefined ? true : (link?.connected ?? false), displayDrawn: display.healthy }),
    selfCheck: () => loop.check(),
  });
  watchdog.start();

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      unsubscribe();
      log.info('stopping');
      await watchdog.stop();
      loop.stop();
      await serialConsole?.stop();
      await fleet?.stop();
      await device?.stop();
      await announcer.stop();
      await display.close();
      await Promise.allSettled([hw.panel.close(), signals.close()]);
      await hw.gpio.close();
    })();
    return stopping;
  };

  return { config, configStore: store, logger: log, clock, device, display, signals, sim: hw.sim, console: serialConsole, fleet, voice, stop };
}
