/**
 * A ConsoleTarget over a running Device and its parts, as a composition root would build it (the
 * daemon does not host the console yet: src/main.ts starts no SerialConsole). Hardware tests play
 * the real patterns; restart, reboot and factory reset are counted, not carried out.
 */
import type { ConfigStore } from '../../src/config/config-store.js';
import type { Clock } from '../../src/core/clock.js';
import type { ConsoleTarget, StatusReport, TestOutcome } from '../../src/console/target.js';
import type { HistoryEntry } from '../../src/core/sale-state.js';
import type { Device } from '../../src/daemon/device.js';
import type { Indicator } from '../../src/signal/indicator.js';

export interface DeviceTargetParts {
  readonly store: ConfigStore;
  readonly clock: Clock;
  readonly device: () => Device | undefined;
  readonly indicator: Indicator;
  readonly connected: () => boolean;
  readonly panelOk?: () => { ok: boolean; lastError?: string };
}

export class DeviceTarget implements ConsoleTarget {
  readonly #p: DeviceTargetParts;
  readonly #started: number;
  readonly counts = { restart: 0, reboot: 0, factoryReset: 0, ledTest: 0, buzzerTest: 0, displayTest: 0, mqttTest: 0 };

  constructor(parts: DeviceTargetParts) {
    this.#p = parts;
    this.#started = parts.clock.now();
  }

  status(): StatusReport {
    const c = this.#p.store.current;
    const d = this.#p.device();
    const panel = this.#p.panelOk?.() ?? { ok: true };
    return {
      state: d === undefined ? 'unprovisioned' : d.saleState.phase.name,
      broker: { connected: this.#p.connected(), url: c.mqtt.url },
      display: { panel: c.display.panel, ok: panel.ok, ...(panel.lastError !== undefined ? { lastError: panel.lastError } : {}) },
      uptimeSec: Math.floor((this.#p.clock.now() - this.#started) / 1000),
    };
  }

  history(n: number): readonly HistoryEntry[] {
    return (this.#p.device()?.history() ?? []).slice(0, n);
  }

  mqttTest(): Promise<TestOutcome> {
    this.counts.mqttTest++;
    return Promise.resolve(this.#p.connected() ? { ok: true, detail: 'connected' } : { ok: false, detail: 'not connected to the broker' });
  }

  displayTest(): Promise<TestOutcome> {
    this.counts.displayTest++;
    return Promise.resolve({ ok: true, detail: 'test pattern requested' });
  }

  ledTest(): Promise<void> {
    this.counts.ledTest++;
    this.#p.indicator.play('test');
    return Promise.resolve();
  }

  buzzerTest(): Promise<void> {
    this.counts.buzzerTest++;
    this.#p.indicator.play('test');
    return Promise.resolve();
  }

  restart(): Promise<void> {
    this.counts.restart++;
    return Promise.resolve();
  }

  reboot(): Promise<void> {
    this.counts.reboot++;
    return Promise.resolve();
  }

  factoryReset(): Promise<void> {
    this.counts.factoryReset++;
    return Promise.resolve();
  }

  hardware(): string {
    return 'tillqr reliability rig (simulated parts)';
  }
}
