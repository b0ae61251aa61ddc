/**
 * What the technician console can see and do on this device, built from the running parts.
 * Tests on the console use their own ConsoleTarget; this is the daemon's.
 */
import { readFileSync } from 'node:fs';
import type { ConfigStore } from '../config/config-store.js';
import type { Clock } from '../core/clock.js';
import type { Faults } from '../core/faults.js';
import type { Screen } from '../core/screen.js';
import type { ConsoleTarget, StatusReport, TestOutcome } from '../console/target.js';
import type { DisplayService } from '../display/display-service.js';
import { brokerLabel } from '../link/mqtt-link.js';
import type { PatternIndicator } from '../signal/pattern-indicator.js';
import { brokerRoundTrip } from './broker-test.js';
import type { Device } from './device.js';

export interface DaemonConsoleTargetOptions {
  readonly store: ConfigStore;
  readonly clock: Clock;
  readonly startedAt: number;
  readonly device: () => Device | undefined;
  /** The fleet agent, stopped before a factory reset so it writes no fleet state back. */
  readonly fleet?: () => { stop(): Promise<void> } | undefined;
  readonly brokerConnected: () => boolean;
  readonly display: DisplayService;
  /** The problems reported on the status topic (the storage one is shown here). */
  readonly faults: Faults;
  readonly indicator: PatternIndicator;
  /** The screen to go back to after a display test when there is no Device. */
  readonly restingScreen: () => Screen;
  /** Stop in order and start again (systemd restarts the process; the simulator restarts in place). */
  readonly restart: (reason: string) => Promise<void>;
  readonly reboot: () => Promise<void>;
  /** How long the display test shows its QR before going back. */
  readonly displayTestMs?: number;
}

const SAMPLE_QR = 'https://tillqr.invalid/display-test';

export function hardwareModel(): string {
  try {
    return readFileSync('/proc/device-tree/model', 'utf8').replace(/\0/g, '').trim() || 'unknown';
  } catch {
    return 'not a Raspberry Pi (simulator or PC)';
  }
}

export function daemonConsoleTarget(o: DaemonConsoleTargetOptions): ConsoleTarget {
  const resting = (): Screen => o.device()?.screen ?? o.restingScreen();
  return {
    status(): StatusReport {
      const c = o.store.current;
      const device = o.device();
      const displayError = o.display.lastError;
      const storageFault = o.faults.list().find((f) => f.part === 'storage');
      return {
        state: device?.saleState.phase.name ?? 'unprovisioned',
        broker: { connected: o.brokerConnected(), url: brokerLabel(c.mqtt.url) },
        display: {
          panel: c.display.panel,
          ok: displayError === undefined,
          ...(displayError ? { lastError: `${displayError.code}: ${displayError.message}` } : {}),
        },
        storage: storageFault === undefined ? { ok: true } : { ok: false, lastError: `${storageFault.code}: ${storageFault.message}` },
        uptimeSec: Math.floor((o.clock.now() - o.startedAt) / 1000),
        faults: o.faults
          .list()
          .filter((f) => f.part !== 'storage' && f.part !== 'display')
          .map((f) => ({ part: f.part, code: f.code, message: f.message })),
      };
    },
    history: (n) => (o.device()?.history() ?? []).slice(0, n),
    salesToday: () => o.device()?.takings(),
    mqttTest: () => brokerRoundTrip(o.store.current),
    async displayTest(): Promise<TestOutcome> {
      o.display.show({ name: 'test-pattern', qr: SAMPLE_QR });
      await o.display.scheduler.idle();
      const err = o.display.lastError;
      await new Promise<void>((resolve) => o.clock.setTimeout(resolve, o.displayTestMs ?? 5000));
      o.display.show(resting());
      return err === undefined
        ? { ok: true, detail: `test pattern and sample QR drawn on ${o.store.current.display.panel}` }
        : { ok: false, detail: `${err.code}: ${err.message}` };
    },
    async ledTest() {
      o.indicator.play('test');
      await Promise.resolve();
    },
    async buzzerTest() {
      o.indicator.play('paid');
      await Promise.resolve();
    },
    restart: () => o.restart('requested on the console'),
    reboot: () => o.reboot(),
    async factoryReset() {
      // The console wipes the owner state next (src/store/owner-state.ts); nothing may write it back.
      await o.fleet?.()?.stop();
      await o.device()?.stop();
    },
    hardware: hardwareModel,
  };
}
