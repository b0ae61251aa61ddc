/**
 * Checks that text was drawn whole, read from pixels: every ink pixel of every glyph of a traced
 * line is set on the frame (nothing clipped away), lies inside the panel and inside the box the
 * line had to stay in. Shared by the amount and text tests.
 */
import type { Lang } from '../../../src/core/screen.js';
import { getPixel, type Frame } from '../../../src/display/frame.js';
import { LOCALES } from '../../../src/display/i18n.js';
import { layoutGlyphs, type PlacedLine } from '../../../src/display/render/ink.js';
import { CURRENCIES } from '../../../src/payment/currencies.js';
import { decimalString, formatMoney, maxAmount } from '../../../src/payment/money.js';
import type { Surface } from '../../../src/display/render/surface.js';

/** Pixel reader for a logical (upright) picture: a frame seen upright, or a surface. */
export type Pixels = { readonly width: number; readonly height: number; at(x: number, y: number): 0 | 1 };

export function framePixels(f: Frame): Pixels {
  return { width: f.width, height: f.height, at: (x, y) => getPixel(f, x, y) };
}

export function surfacePixels(s: Surface): Pixels {
  return { width: s.width, height: s.height, at: (x, y) => ((s.px[y * s.width + x] ?? 0) === 1 ? 1 : 0) };
}

/** Problems with a traced line on a picture; empty when every glyph's ink is whole where it belongs. */
export function wholeLineProblems(p: Pixels, line: PlacedLine): string[] {
  const out: string[] = [];
  const { box } = line;
  for (const g of layoutGlyphs(line.style, line.text, line.x, line.baseline)) {
    const { glyph, scale } = g;
    let outside = 0;
    let missing = 0;
    for (let my = 0; my < glyph.height; my++) {
      for (let mx = 0; mx < glyph.width; mx++) {
        if (glyph.bits[my * glyph.width + mx] !== 1) continue;
        for (let dy = 0; dy < scale; dy++) {
          for (let dx = 0; dx < scale; dx++) {
            const x = g.x + mx * scale + dx;
            const y = g.y + my * scale + dy;
            if (x < 0 || y < 0 || x >= p.width || y >= p.height || x < box.x || y < box.y || x >= box.x + box.w || y >= box.y + box.h) outside++;
            else if (p.at(x, y) !== line.ink) missing++;
          }
        }
      }
    }
    const ch = String.fromCodePoint(g.cp);
    if (outside > 0) out.push(`"${ch}" of ${JSON.stringify(line.text)}: ${outside} ink pixels outside the panel or its box`);
    if (missing > 0) out.push(`"${ch}" of ${JSON.stringify(line.text)}: ${missing} ink pixels not on the picture (cut)`);
  }
  return out;
}

export interface MoneyCase {
  readonly currency: string;
  readonly minor: number;
  readonly amount: number;
  /** Digits of the amount in minor units. */
  readonly length: number;
  readonly text: string;
}

/**
 * Every active currency at every length from 1 digit to its contract bound, with the widest
 * digit pattern (all eights: DejaVu's digits share one advance, and 8 has the most ink), as the
 * display language formats it.
 */
export function moneyCases(lang: Lang): MoneyCase[] {
  const out: MoneyCase[] = [];
  for (const c of CURRENCIES) {
    const digits = String(maxAmount(c.alpha)).length;
    for (let n = 1; n <= digits; n++) {
      const amount = Number('8'.repeat(n));
      out.push({ currency: c.alpha, minor: c.minorUnits, amount, length: n, text: formatMoney(amount, c.alpha, LOCALES[lang]) });
    }
  }
  return out;
}

/** Whether the formatted text carries every digit of the amount, in order (nothing dropped by formatting). */
export function hasAllDigits(c: MoneyCase, text: string): boolean {
  return text.replace(/[^0-9]/g, '') === decimalString(c.amount, c.minor).replace('.', '');
}
