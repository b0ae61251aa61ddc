/**
 * Can this panel show a charge's amount whole? Asked before a charge is accepted, so a customer
 * never reads a cut amount: the charge is refused (`amount_unshowable`) instead of shown. The
 * answer is the renderer's own layout run dry (no pixel drawn) on every screen that shows the
 * amount: the charge screen, and the result screens that repeat it (paid, which is also the
 * button's glance at the last payment, failed, expired and cancelled). Deterministic for its
 * inputs: the renderer only keeps caches (glyphs, QR matrices, which the render then reuses).
 */
import { isTillqrError } from '../../core/errors.js';
import type { Lang, Money, Screen } from '../../core/screen.js';
import type { PanelInfo } from '../panel.js';
import { layoutOf, type Renderer } from './renderer.js';
import type { Rotation } from './to-frame.js';

type Charge = Extract<Screen, { name: 'charge' }>;

/** The screens that show the charge's amount, the charge screen first. */
export function moneyScreens(charge: Charge): Screen[] {
  const { money, orderId } = charge;
  const m: Money = money;
  return [
    charge,
    { name: 'paid', money: m, orderId },
    { name: 'failed', money: m, orderId },
    { name: 'expired', money: m, orderId },
    { name: 'cancelled', money: m, orderId },
  ];
}

/**
 * True when every screen of `moneyScreens(charge)` lays the amount out whole on `panel` mounted
 * at `rotation` in `lang`. A QR too long for the panel is not this check's business (that is
 * QR_TOO_LARGE, shown as the error screen): it answers true then.
 */
export function amountShowable(renderer: Renderer, charge: Charge, panel: PanelInfo, rotation: Rotation, lang: Lang): boolean {
  for (const screen of moneyScreens(charge)) {
    try {
      const trace = layoutOf(renderer, screen, panel, rotation, lang);
      if (trace.misfits.some((f) => f.kind === 'amount')) return false;
    } catch (e) {
      if (isTillqrError(e, 'AMOUNT_UNSHOWABLE')) return false;
      if (isTillqrError(e, 'QR_TOO_LARGE')) continue;
      throw e;
    }
  }
  return true;
}
