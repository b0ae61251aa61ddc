/**
 * The composition root: the only place that builds drivers and clients. It reads the
 * configuration, builds the real parts on a Pi or their simulated twins (`hardware: "sim"`), and
 * passes them into the Device through constructors. Nothing here decides anything about a sale.
 */
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { ConfigStore } from './config/config-store.js';
import { missingForService } from './config/load.js';
import type { Config } from './config/schema.js';
import { systemClock, type Clock } from './core/clock.js';
import { createLogger, type Logger, type LogSink } from './core/logger.js';
import { Device } from './daemon/device.js';
import { DisplayService } from './display/display-service.js';
import { panelDriver } from './display/drivers/panel-drivers.js';
import { SimPanel } from './display/drivers/sim-panel.js';
import { openSpidev } from './display/drivers/spidev-bus.js';
import type { Panel } from './display/panel.js';
import { panelInfo } from './display/panels.js';
import { Renderer } from './display/render/renderer.js';
import { MqttLink } from './link/mqtt-link.js';
import { SimGpio } from './signal/drivers/sim-gpio.js';
import { SimPwm } from './signal/drivers/sim-pwm.js';
import { SimSignalState } from './signal/drivers/sim-signal-state.js';
import { SysfsGpio } from './signal/drivers/sysfs-gpio.js';
import { SysfsPwm } from './signal/drivers/sysfs-pwm.js';
import type { Gpio } from './signal/gpio.js';
import { liveConfig, openSignals, type Signals } from './signal/open-signals.js';
import type { Pwm } from './signal/pwm.js';
import { VERSION } from './version.js';

export interface DaemonOptions {
  configPath: string;
  env: NodeJS.ProcessEnv;
  /** Where log lines go (default stdout, for journald). */
  logSink?: LogSink;
  clock?: Clock;
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
  stop(): Promise<void>;
}

interface Hardware {
  gpio: Gpio;
  pwm: Pwm | undefined;
  panel: Panel;
  sim: SimParts | undefined;
}

async function buildHardware(c: Config, clock: Clock, log: Logger): Promise<Hardware> {
  const info = panelInfo(c.display.panel);
  if (c.hardware === 'sim') {
    const gpio = new SimGpio({ clock });
    const pwm = new SimPwm({ clock });
    const panel = new SimPanel(info, { clock, busyTimeoutMs: c.display.busyTimeoutMs });
    const signals = new SimSignalState({ gpio, pwm, clock, config: c.signal });
    return { gpio, pwm, panel, sim: { panel, signals, gpio, pwm } };
  }
  const gpio = new SysfsGpio({ clock, logger: log.child('gpio') });
  const pwm = c.signal.buzzer.kind === 'passive' ? new SysfsPwm({ clock, logger: log.child('pwm') }) : undefined;
  const d = panelDriver(c.display.panel);
  const panel =
    d.kind === 'epaper'
      ? new d.driver({ spi: await openSpidev(c.display.spi), gpio, clock, logger: log.child('panel'), pins: c.display.pins, busyTimeoutMs: c.display.busyTimeoutMs })
      : new d.driver(info, { logger: log.child('panel'), device: c.display.framebuffer });
  return { gpio, pwm, panel, sim: undefined };
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
  const boot = createLogger('tillqr', opts.logSink ? { sink: opts.logSink } : {});
  const store = await ConfigStore.open(opts.configPath, opts.env, boot);
  const config = store.current;
  const log = createLogger('tillqr', { level: config.logLevel, ...(opts.logSink ? { sink: opts.logSink } : {}), ...(config.deviceId ? { base: { deviceId: config.deviceId } } : {}) });
  log.info('starting', { version: VERSION, hardware: config.hardware, panel: config.display.panel, config: opts.configPath });

  const hw = await buildHardware(config, clock, log);
  const signals = await openSignals({ config: config.signal, gpio: hw.gpio, pwm: hw.pwm, clock, logger: log.child('signal') });
  for (const p of signals.problems) log.error('a signal part is not available', { code: p.code, error: p.message });

  const display = new DisplayService({
    panel: hw.panel,
    renderer: new Renderer(),
    clock,
    logger: log.child('display'),
    config: () => {
      const d = store.current.display;
      return { rotation: d.rotation, language: d.language, countdownStepSec: d.countdownStepSec, partialRefreshLimit: d.partialRefreshLimit };
    },
  });
  display.on('panel-error', (e) => log.error('the panel failed', { code: e.code, error: e.message }));

  const unsubscribe = store.onChange((change) => {
    if (change.changed.some((k) => k.startsWith('signal.'))) signals.indicator.applyConfig(liveConfig(change.config.signal));
    if (change.changed.some((k) => k === 'display.rotation' || k === 'display.language')) display.redraw();
    if (change.restartRequired.length > 0) log.warn('some changes apply after a restart', { keys: change.restartRequired });
  });

  let device: Device | undefined;
  const missing = missingForService(config);
  if (missing.length > 0) {
    log.warn('not provisioned: waiting for a technician', { missing });
    display.show({ name: 'unprovisioned', deviceId: config.deviceId ?? (await hardwareId()), consolePort: config.console.port });
    signals.indicator.play('provisioning');
  } else {
    const deviceId = config.deviceId as string;
    const link = new MqttLink({ mqtt: config.mqtt, deviceId, version: VERSION, clock, logger: log.child('link') });
    device = new Device({ config, clock, logger: log.child('device'), link, screen: display, indicator: signals.indicator, storeDir: config.stateDir, version: VERSION });
    await device.start();
    const d = device;
    signals.button?.on('short', () => void d.pressButton());
  }

  let stopped = false;
  return {
    config,
    configStore: store,
    logger: log,
    clock,
    device,
    display,
    signals,
    sim: hw.sim,
    async stop() {
      if (stopped) return;
      stopped = true;
      unsubscribe();
      log.info('stopping');
      await device?.stop();
      await display.close();
      await Promise.allSettled([hw.panel.close(), signals.close()]);
      await hw.gpio.close();
    },
  };
}
