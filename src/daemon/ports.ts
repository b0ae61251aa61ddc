/**
 * What a Device is built from. Only src/main.ts (and tests, benchmarks) construct these.
 */
import type { Config } from '../config/schema.js';
import type { Clock } from '../core/clock.js';
import type { Faults } from '../core/faults.js';
import type { Logger } from '../core/logger.js';
import type { Screen } from '../core/screen.js';
import type { DeviceLink } from '../link/link.js';
import type { Indicator } from '../signal/indicator.js';
import type { SaleAnnouncement } from '../voice/voice.js';
import type { DynamicQrBuilder } from './dynamic-qr.js';

/** Where screens go: the display subsystem (renderer + refresh scheduler) or a recorder in tests. Must not block. */
export interface ScreenSink {
  show(screen: Screen): void;
  /** False while nothing can be shown (the panel cannot be opened): a charge is then refused `display_unavailable`. Absent: always ready. */
  ready?(): boolean;
  /** False when the screen's amount cannot be drawn whole on the panel as mounted, in its language: a charge is then refused `amount_unshowable`. Absent: always fits. */
  fits?(screen: Screen): boolean;
}

export interface DevicePorts {
  /** The validated, frozen configuration; `deviceId` must be set. */
  readonly config: Config;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly link: DeviceLink;
  readonly screen: ScreenSink;
  readonly indicator: Indicator;
  /** Directory for payment-state.json (replay cache, pending sale, history); usually config.stateDir. */
  readonly storeDir: string;
  /** Software version reported on the status topic. */
  readonly version: string;
  /** Where the device's parts report problems for the status topic; default: the Device's own. */
  readonly faults?: Faults;
  /**
   * The voice (src/voice): told what to say after a decision is persisted and its events published,
   * so it never delays the signal or the `paid` event. Must not block or throw. Absent: silent.
   */
  readonly announce?: (a: SaleAnnouncement) => void;
  /** Builds the QR for charges without one; default: EMV MPM from config.merchant. */
  readonly buildDynamicQr?: DynamicQrBuilder;
}
