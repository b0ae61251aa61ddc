/**
 * Everything a freshly opened page needs to draw itself: identities, the choices for the
 * controls, and the current frame, signals, device status, sale and log.
 */
import { PANEL_IDS } from '../display/config.js';
import { PANELS } from '../display/panels.js';
import type { Daemon } from '../main.js';
import type { SignalEvent } from '../signal/indicator.js';
import type { SimSignalSnapshot } from '../signal/drivers/sim-signal-state.js';
import { FORGERIES, WALLETS } from './sim-backend.js';
import { ROTATIONS } from './sim-config.js';
import type { Simulator } from './simulator.js';

export const CURRENCY_CHOICES = ['JPY', 'USD', 'EUR', 'CNY', 'KRW', 'TWD', 'HKD', 'SGD', 'THB'] as const;

export function simSnapshot(sim: Simulator): Record<string, unknown> {
  const d = sim.daemon;
  return {
    deviceId: d.config.deviceId ?? null,
    devKid: sim.devKey.kid,
    pageUrl: sim.pageUrl,
    brokerUrl: sim.brokerLabel,
    embeddedBroker: sim.embedded,
    merchant:
      d.config.merchant !== undefined
        ? { name: d.config.merchant.displayName ?? d.config.merchant.name, city: d.config.merchant.city, currency: d.config.merchant.currency }
        : null,
    panels: PANEL_IDS.map((id) => ({ id, width: PANELS[id].width, height: PANELS[id].height, kind: PANELS[id].kind })),
    rotations: ROTATIONS,
    display: sim.display,
    wallets: WALLETS,
    forgeries: FORGERIES,
    currencies: CURRENCY_CHOICES,
    button: d.config.signal.button !== undefined,
    daemon: sim.daemonState,
    frame: sim.frame ?? null,
    signal: d.sim !== undefined ? signalMessage(d.sim.signals.snapshot(), d) : null,
    status: sim.backend.status ?? null,
    sale: sim.backend.sale ?? null,
    log: sim.log,
  };
}

/**
 * The LED and buzzer as the page shows them, with the pattern playing (`waiting` blinks green
 * while a charge is open, so the sampled colour alone does not say whether the sale was paid).
 */
export interface SignalMessage extends SimSignalSnapshot {
  readonly pattern: SignalEvent | null;
}

export function signalMessage(s: SimSignalSnapshot, d: Pick<Daemon, 'signals'>): SignalMessage {
  return { ...s, pattern: d.signals.indicator.status().event ?? null };
}
