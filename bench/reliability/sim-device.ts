/**
 * A Device on the simulated parts, wired as src/main.ts wires them for `hardware: "sim"` (real
 * PatternIndicator on SimGpio/SimPwm, SimSignalState decoding the pins, optionally the real
 * DisplayService with the Renderer on a SimPanel), but with the link passed in, so the same rig
 * runs on the in-memory link (volume) and on MqttLink over a real broker.
 *
 * SignalWatch observes what a person at the till would notice: every pattern played and every
 * visible LED/buzzer change, counted, so a run can assert "no success signal" or "exactly one".
 */
import type { Config } from '../../src/config/schema.js';
import type { Clock } from '../../src/core/clock.js';
import type { Logger } from '../../src/core/logger.js';
import { Device } from '../../src/daemon/device.js';
import { DisplayService } from '../../src/display/display-service.js';
import { SimPanel } from '../../src/display/drivers/sim-panel.js';
import { panelInfo } from '../../src/display/panels.js';
import { Renderer } from '../../src/display/render/renderer.js';
import type { DeviceLink } from '../../src/link/link.js';
import { SimGpio } from '../../src/signal/drivers/sim-gpio.js';
import { SimPwm } from '../../src/signal/drivers/sim-pwm.js';
import { SimSignalState, type SimSignalSnapshot } from '../../src/signal/drivers/sim-signal-state.js';
import type { Indicator, SignalEvent } from '../../src/signal/indicator.js';
import { openSignals, type Signals } from '../../src/signal/open-signals.js';

/** Counts of what the indicator was asked to play and of what the LED and buzzer visibly did. */
export class SignalWatch {
  readonly plays = new Map<SignalEvent, number>();
  readonly led = new Map<string, number>();
  buzzerOn = 0;
  /** Visible changes seen (LED colour or buzzer). */
  changes = 0;

  played(event: SignalEvent): number {
    return this.plays.get(event) ?? 0;
  }

  totalPlays(): number {
    let n = 0;
    for (const v of this.plays.values()) n += v;
    return n;
  }

  ledSeen(colour: string): number {
    return this.led.get(colour) ?? 0;
  }

  onPlay(event: SignalEvent): void {
    this.plays.set(event, this.played(event) + 1);
  }

  onChange(s: SimSignalSnapshot): void {
    this.changes++;
    this.led.set(s.led, this.ledSeen(s.led) + 1);
    if (s.buzzer.on) this.buzzerOn++;
  }

  /** A copy of the counters now, to compare with later. */
  mark(): { plays: number; paid: number; green: number; buzzer: number; changes: number } {
    return { plays: this.totalPlays(), paid: this.played('paid'), green: this.ledSeen('green'), buzzer: this.buzzerOn, changes: this.changes };
  }
}

export interface SimDeviceOptions {
  readonly config: Config;
  readonly clock: Clock;
  readonly link: DeviceLink;
  readonly logger: Logger;
  /** Render screens with the real DisplayService on a SimPanel (default: a screen recorder only). */
  readonly display?: boolean;
  /** Passed to the SimPanel (e.g. a short BUSY timeout). */
  readonly busyTimeoutMs?: number;
  /** Told of every pattern the device plays, with the device (its state already holds the step's result). */
  readonly onPlay?: (event: SignalEvent, device: Device) => void;
}

export class SimDevice {
  readonly device: Device;
  readonly watch: SignalWatch;
  readonly signalState: SimSignalState;
  readonly signals: Signals;
  readonly gpio: SimGpio;
  readonly panel: SimPanel | undefined;
  readonly display: DisplayService | undefined;
  /** Names of the screens the device asked for, in order (bounded: the last 1000). */
  readonly screens: string[];
  readonly #unwatch: () => void;

  private constructor(o: {
    device: Device;
    watch: SignalWatch;
    signalState: SimSignalState;
    signals: Signals;
    gpio: SimGpio;
    panel: SimPanel | undefined;
    display: DisplayService | undefined;
    screens: string[];
    unwatch: () => void;
  }) {
    this.device = o.device;
    this.screens = o.screens;
    this.watch = o.watch;
    this.signalState = o.signalState;
    this.signals = o.signals;
    this.gpio = o.gpio;
    this.panel = o.panel;
    this.display = o.display;
    this.#unwatch = o.unwatch;
  }

  static async open(o: SimDeviceOptions): Promise<SimDevice> {
    const c = o.config;
    const gpio = new SimGpio({ clock: o.clock, historyLimit: 100 });
    const pwm = new SimPwm({ clock: o.clock });
    const signals = await openSignals({ config: c.signal, gpio, pwm, clock: o.clock, logger: o.logger.child('signal') });
    const signalState = new SimSignalState({ gpio, pwm, clock: o.clock, config: c.signal });
    const watch = new SignalWatch();
    const unwatch = signalState.onChange((s) => watch.onChange(s));
    const built: { device?: Device } = {};
    const indicator: Indicator = {
      play: (event) => {
        watch.onPlay(event);
        if (built.device !== undefined) o.onPlay?.(event, built.device);
        signals.indicator.play(event);
      },
      stop: () => signals.indicator.stop(),
      close: () => signals.indicator.close(),
    };
    let panel: SimPanel | undefined;
    let display: DisplayService | undefined;
    if (o.display === true) {
      panel = new SimPanel(panelInfo(c.display.panel), { clock: o.clock, busyTimeoutMs: o.busyTimeoutMs ?? c.display.busyTimeoutMs });
      const d = c.display;
      display = new DisplayService({
        panel,
        renderer: new Renderer(),
        clock: o.clock,
        logger: o.logger.child('display'),
        config: () => ({ rotation: d.rotation, language: d.language, countdownStepSec: d.countdownStepSec, partialRefreshLimit: d.partialRefreshLimit }),
      });
    }
    const screens: string[] = [];
    const shown = display;
    const device = new Device({
      config: c,
      clock: o.clock,
      logger: o.logger.child('device'),
      link: o.link,
      screen: {
        show: (s) => {
          screens.push(s.name);
          if (screens.length > 2000) screens.splice(0, 1000);
          shown?.show(s);
        },
      },
      indicator,
      storeDir: c.stateDir,
      version: '0.1.0-reliability',
    });
    built.device = device;
    return new SimDevice({ device, watch, signalState, signals, gpio, panel, display, screens, unwatch });
  }

  async stop(): Promise<void> {
    await this.device.stop();
    await this.display?.close();
    await this.panel?.close();
    await this.signals.close();
    this.signalState.flush();
    this.#unwatch();
    this.signalState.close();
    await this.gpio.close();
  }
}
