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
import type { DynamicQrBuilder } from './dynamic-qr.js';

/** Where screens go: the display subsystem (renderer + refresh scheduler) or a recorder in tests. Must not block. */
export interface ScreenSink {
  show(screen: Screen): void;
  /** False while nothing can be shown (the panel cannot be opened): a charge is then refused `display_unavailable`. Absent: always ready. */
  ready?(): boolean;
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
  /** Builds the QR for charges without one; default: EMV MPM from config.merchant. */
  readonly buildDynamicQr?: DynamicQrBuilder;
}
