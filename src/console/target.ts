/**
 * What the technician console needs from the rest of the device. The composition root
 * (src/main.ts) implements it over the Device, the display and the signal outputs; tests
 * implement it over a real ConfigStore and simulated parts. Every method may be slow (a panel
 * refresh takes seconds) but must not block the event loop; a rejection becomes the command's
 * error reply, never a crash.
 */
import type { HistoryEntry } from '../core/sale-state.js';
import type { Takings } from '../voice/takings.js';

export type Awaitable<T> = T | Promise<T>;

export interface StatusReport {
  /** The sale state as a technician reads it: "idle", "charging", "paid", "offline", ... */
  readonly state: string;
  readonly broker: {
    readonly connected: boolean;
    /** Broker URL without credentials. */
    readonly url: string;
    /** Why the last connection attempt failed (no secrets). */
    readonly lastError?: string;
  };
  readonly display: {
    readonly panel: string;
    /** False when the last refresh failed. */
    readonly ok: boolean;
    readonly lastError?: string;
  };
  readonly storage: {
    /** False while the state directory cannot be written (disk full, read-only, failing card). */
    readonly ok: boolean;
    readonly lastError?: string;
  };
  readonly uptimeSec: number;
  /** Every other active fault (config, fonts, audio, ...): part, code and a message without secrets. */
  readonly faults?: readonly { readonly part: string; readonly code: string; readonly message: string }[];
}

/** Result of a test the technician watches (`mqtt test`, `display test`). */
export interface TestOutcome {
  readonly ok: boolean;
  /** One line for the technician: what was done or what failed. */
  readonly detail: string;
}

export interface ConsoleTarget {
  status(): Awaitable<StatusReport>;
  /** The last `n` payments on this device, newest first. */
  history(n: number): Awaitable<readonly HistoryEntry[]>;
  /** The day's takings (src/voice/takings.ts); undefined while the device is not provisioned. Absent: not available. */
  salesToday?(): Awaitable<Takings | undefined>;
  /** Publish and receive a message on this device's own test topic through the broker. */
  mqttTest(): Promise<TestOutcome>;
  /** Show a test pattern, then a sample QR; resolves once the panel shows it. */
  displayTest(): Promise<TestOutcome>;
  /** Run the LED through its colours. */
  ledTest(): Promise<void>;
  /** Sound the buzzer's patterns. */
  buzzerTest(): Promise<void>;
  /**
   * Restart the daemon so keys marked "restart required" apply (systemd starts it again). The
   * console answers first; the serial port closes and is opened again by the new process.
   */
  restart(): Promise<void>;
  /** Reboot the whole device. */
  reboot(): Promise<void>;
  /**
   * Stop what writes owner state (the sale, the fleet agent). The console then resets the
   * configuration to `{}` and wipes the owner state (src/store/owner-state.ts: payment state,
   * fleet documents, TLS files, ...); a restart follows.
   */
  factoryReset(): Promise<void>;
  /** Hardware model for Improv device info, e.g. "Raspberry Pi Zero 2 W Rev 1.0" (/proc/device-tree/model). */
  hardware(): string;
}
