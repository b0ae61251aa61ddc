/**
 * Every amount the contract allows, in every currency, in every display language, on every panel
 * and mounting, on every screen that shows money (charge; paid, which is also the button's glance;
 * failed; expired; cancelled): either the charge is refused before it is shown (amountShowable,
 * the check acceptance calls), or the amount is drawn whole — every glyph's ink on the picture,
 * inside the panel and inside the amount's column.
 *
 * How this stays fast (about 8,000 formatted amounts x 13 upright panel sizes x 5 screens):
 * the layout sees an amount only through its measurements: for each font size it may take,
 * whether its advances and its ink fit each width it is offered, and its ascent and descent.
 * Amounts alike in all of these get the same layout, so the real layout runs once per such
 * group (for a representative), and then every amount of the group is drawn alone by the real
 * Column in the box its representative got, and checked pixel by pixel. A group is only trusted
 * if its representative's layout offered no width the grouping did not know. Mountings 180 and
 * 270 lay out exactly as 0 and 90 (the picture is only turned: amount-frames.test.ts checks the
 * turned frames), so their upright sizes share the work.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { isTillqrError } from '../../../src/core/errors.js';
import type { Lang, Screen } from '../../../src/core/screen.js';
import { PANEL_IDS } from '../../../src/display/config.js';
import { LANGS } from '../../../src/display/i18n.js';
import { PANELS, USUAL_MOUNT } from '../../../src/display/panels.js';
import { AMOUNT_SIZES, Column } from '../../../src/display/render/column.js';
import { amountShowable } from '../../../src/display/render/fit.js';
import { amountWidth } from '../../../src/display/render/fonts/font-book.js';
import { footprintWidth, newTrace, type AmountOffer, type PlacedLine } from '../../../src/display/render/ink.js';
import { QrCache } from '../../../src/display/render/qr.js';
import { layoutOf, Renderer } from '../../../src/display/render/renderer.js';
import { sampleEmv, sampleScreen } from '../../../src/display/render/samples.js';
import { createSurface } from '../../../src/display/render/surface.js';
import { measure } from '../../../src/display/render/text.js';
import { logicalSize, type Rotation } from '../../../src/display/render/to-frame.js';
import { decimalString } from '../../../src/payment/money.js';
import { hasAllDigits, moneyCases, surfacePixels, wholeLineProblems, type MoneyCase } from './whole-text.js';

const renderer = new Renderer({ qrCacheSize: 256 });
const book = renderer.fonts;
const ROTATIONS: readonly Rotation[] = [0, 90, 180, 270];
const KINDS = ['charge', 'paid', 'failed', 'expired', 'cancelled'] as const;
type Kind = (typeof KINDS)[number];

const payloads = new Map<string, string>();
/** The charge's QR: an EMV payload carrying the amount (its length, hence its QR size, follows the amount). */
function payloadFor(c: MoneyCase): string {
  const dec = decimalString(c.amount, c.minor);
  let p = payloads.get(dec);
  if (p === undefined) payloads.set(dec, (p = sampleEmv({ amount: dec, bill: 'A-1042' })));
  return p;
}

const qrCache = new QrCache(512);
/** Payloads with the same matrix sizes lay out the same: the layout sees a QR only through its plan. */
function qrKey(payload: string): string {
  return `${qrCache.matrix(payload, 'M')?.size}/${qrCache.matrix(payload, 'L')?.size}`;
}

function screenOf(kind: Kind, c: MoneyCase, lang: Lang): Screen {
  return sampleScreen(kind, { amount: c.amount, currency: c.currency, lang, qr: payloadFor(c) });
}

interface Outcome {
  readonly showable: boolean;
  readonly line?: PlacedLine;
  readonly offers: readonly AmountOffer[];
}

function outcomeOf(screen: Screen, id: (typeof PANEL_IDS)[number], rotation: Rotation, lang: Lang): Outcome {
  try {
    const trace = layoutOf(renderer, screen, PANELS[id], rotation, lang);
    const lines = trace.lines.filter((l) => l.kind === 'amount');
    const misfit = trace.misfits.some((m) => m.kind === 'amount');
    return { showable: !misfit && lines.length === 1, ...(lines[0] !== undefined ? { line: lines[0] } : {}), offers: trace.offers };
  } catch (e) {
    if (!isTillqrError(e, 'AMOUNT_UNSHOWABLE')) throw e;
    return { showable: false, offers: [] };
  }
}

// Per amount text and size index: advance width, ink width, ascent, descent (NaN until measured).
// Shared by the languages: every glyph of every amount comes from the outline font (checked in
// runAll), whose glyphs do not depend on the language.
const metrics = new Map<string, Float64Array>();
function metricsOf(c: MoneyCase, lang: Lang, sizeIndex: number): Float64Array {
  const text = c.text;
  let all = metrics.get(text);
  if (all === undefined) metrics.set(text, (all = new Float64Array(AMOUNT_SIZES.length * 4).fill(Number.NaN)));
  if (Number.isNaN(all[sizeIndex * 4])) {
    const size = AMOUNT_SIZES[sizeIndex] as number;
    const style = book.amount(size, lang);
    const t = measure(style, text);
    all.set([amountWidth(book, text, size, lang), footprintWidth(style, text), t.ascent, t.descent], sizeIndex * 4);
  }
  return all;
}

/** What the layout can see of an amount: for each width offered, at each size it may take there, whether it fits; and its height. */
function signature(c: MoneyCase, lang: Lang, offers: readonly AmountOffer[]): string {
  let sig = '';
  let lo = Infinity;
  let hi = 0;
  for (const o of offers) {
    for (let i = 0; i < AMOUNT_SIZES.length; i++) {
      const size = AMOUNT_SIZES[i] as number;
      if (size < o.min || size > o.max) continue;
      lo = Math.min(lo, i);
      hi = Math.max(hi, i);
      const m = metricsOf(c, lang, i);
      sig += (m[i * 4] as number) > o.width ? '0' : (m[i * 4 + 1] as number) > o.width ? '1' : '2';
    }
    sig += '|';
  }
  for (let i = lo; i <= hi; i++) {
    const m = metricsOf(c, lang, i);
    sig += `${m[i * 4 + 2]},${m[i * 4 + 3]};`;
  }
  return sig;
}

const sameOffer = (a: AmountOffer, b: AmountOffer): boolean => a.width === b.width && a.min === b.min && a.max === b.max;

/** Lays out one group representative per signature, widening the known offers until they are complete. */
function groupOutcomes(cases: readonly MoneyCase[], kind: Kind, id: (typeof PANEL_IDS)[number], rotation: Rotation, lang: Lang): Map<MoneyCase, Outcome> {
  const first = cases[0];
  const last = cases[cases.length - 1];
  if (first === undefined || last === undefined) return new Map();
  const laidOut = new Map<MoneyCase, Outcome>();
  const layout = (c: MoneyCase): Outcome => {
    let o = laidOut.get(c);
    if (o === undefined) laidOut.set(c, (o = outcomeOf(screenOf(kind, c, lang), id, rotation, lang)));
    return o;
  };
  const offers: AmountOffer[] = [];
  for (const o of [...layout(first).offers, ...layout(last).offers]) if (!offers.some((k) => sameOffer(k, o))) offers.push(o);
  for (;;) {
    const groups = new Map<string, MoneyCase[]>();
    for (const c of cases) {
      const sig = signature(c, lang, offers);
      const g = groups.get(sig);
      if (g === undefined) groups.set(sig, [c]);
      else g.push(c);
    }
    const out = new Map<MoneyCase, Outcome>();
    let widened = false;
    for (const g of groups.values()) {
      const rep = layout(g[0] as MoneyCase);
      const unknown = rep.offers.filter((o) => !offers.some((k) => sameOffer(k, o)));
      if (unknown.length > 0) {
        for (const o of unknown) if (!offers.some((k) => sameOffer(k, o))) offers.push(o);
        widened = true;
        break;
      }
      for (const c of g) out.set(c, rep);
    }
    if (!widened) return out;
  }
}

/**
 * Draws one amount alone with the real Column in a box exactly as wide as the ink its font
 * measures, at the size its layout chose, and reads the pixels: nothing may be cut. A layout
 * box is never narrower than that (checked for every placement), and a wider box only adds room.
 */
const scratch = new Uint8Array(1 << 20);
function drawnAlone(c: MoneyCase, style: PlacedLine['style'], lang: Lang): string[] {
  const m = measure(style, c.text);
  const size = AMOUNT_SIZES.find((s) => book.amount(s, lang) === style);
  if (size === undefined) return [`${c.text}: the layout used a style that is not an amount size`];
  const problems: string[] = [];
  // At a box as wide as the ink, left and centred alignment put the pen at the same place.
  for (const align of ['left'] as const) {
    const trace = newTrace();
    const box = { x: 0, y: 0, w: footprintWidth(style, c.text), h: m.ascent + m.descent };
    const s = createSurface(box.w, box.h, scratch);
    new Column(book, lang, new Map(), trace).draw(s, box, [{ kind: 'amount', text: c.text, max: size, min: size, align }]);
    const drawn = trace.lines.find((l) => l.kind === 'amount');
    if (drawn === undefined || drawn.style !== style) problems.push(`${c.text}: not drawn at ${size}px in a box as wide as its ink`);
    else problems.push(...wholeLineProblems(surfacePixels(s), drawn));
  }
  return problems;
}

interface Result {
  problems: string[];
  /** `${id}@${rotation}/${lang}/${currency}/${length}` -> refused */
  refused: Set<string>;
  checkedAmounts: number;
}

function runAll(): Result {
  const result: Result = { problems: [], refused: new Set(), checkedAmounts: 0 };
  const seen = new Map<string, { outcomes: Map<Kind, Map<MoneyCase, Outcome>>; checked: boolean }>();
  const tightest = new Map<string, { c: MoneyCase; style: PlacedLine['style']; lang: Lang; where: string }>();
  for (const lang of LANGS) {
    const cases = moneyCases(lang);
    const outline = book.amount(AMOUNT_SIZES[0] as number, lang).fonts[0];
    for (const c of cases) {
      if (!hasAllDigits(c, c.text)) result.problems.push(`${c.currency} ${c.amount} formats as ${c.text}, without all its digits`);
      for (const ch of c.text)
        if (!/\s/u.test(ch) && outline?.glyph(ch.codePointAt(0) ?? 0) === undefined)
          result.problems.push(`${c.text} (${lang}): "${ch}" is not in the amount's outline font`);
    }
    for (const id of PANEL_IDS) {
      for (const rotation of ROTATIONS) {
        const { width: w, height: h } = logicalSize(PANELS[id], rotation);
        const upright = `${id}/${w}x${h}/${lang}`;
        let entry = seen.get(upright);
        if (entry === undefined) {
          const outcomes = new Map<Kind, Map<MoneyCase, Outcome>>();
          for (const kind of KINDS) {
            const all = new Map<MoneyCase, Outcome>();
            // Charges are grouped by their QR's size too; results show no QR.
            const byQr = new Map<string, MoneyCase[]>();
            for (const c of cases) {
              const k = kind === 'charge' ? qrKey(payloadFor(c)) : '';
              const list = byQr.get(k);
              if (list === undefined) byQr.set(k, [c]);
              else list.push(c);
            }
            for (const list of byQr.values()) for (const [c, o] of groupOutcomes(list, kind, id, rotation, lang)) all.set(c, o);
            outcomes.set(kind, all);
          }
          entry = { outcomes, checked: false };
          seen.set(upright, entry);
        }
        const again = entry.checked;
        entry.checked = true;
        for (const c of cases) {
          const refused = KINDS.some((k) => entry.outcomes.get(k)?.get(c)?.showable !== true);
          if (refused) {
            result.refused.add(`${id}@${rotation}/${lang}/${c.currency}/${c.length}`);
            continue;
          }
          // 180 and 270 lay out exactly as 0 and 90: their placements were checked already.
          if (again) continue;
          for (const kind of KINDS) {
            const line = entry.outcomes.get(kind)?.get(c)?.line;
            if (line === undefined) continue;
            const { box } = line;
            if (box.x < 0 || box.y < 0 || box.x + box.w > w || box.y + box.h > h)
              result.problems.push(`${upright} ${kind}: the amount's box ${JSON.stringify(box)} leaves the panel`);
            const m = measure(line.style, c.text);
            if (line.baseline - m.ascent < box.y || line.baseline + m.descent > box.y + box.h)
              result.problems.push(`${upright} ${kind}: ${c.text} reaches out of its box vertically`);
            const ink = footprintWidth(line.style, c.text);
            if (ink > box.w) result.problems.push(`${upright} ${kind}: ${c.text} needs ${ink}px in a ${box.w}px column`);
            // Amount styles differ between languages only in fallback fonts for glyphs the outline font lacks.
            const key = `${c.text}/${line.style.name.replace(`/${lang}/`, '/')}`;
            if (!tightest.has(key)) tightest.set(key, { c, style: line.style, lang, where: `${upright} ${kind}` });
          }
        }
      }
    }
  }
  for (const { c, style, lang, where } of tightest.values()) {
    result.checkedAmounts++;
    for (const p of drawnAlone(c, style, lang)) result.problems.push(`${where}: ${p}`);
  }
  return result;
}

describe('every allowed amount is shown whole or the charge is refused', () => {
  let result: Result = { problems: ['not run'], refused: new Set(), checkedAmounts: 0 };
  // About ten seconds of CPU: 15,000 layouts and 18,000 amounts drawn alone.
  beforeAll(() => {
    result = runAll();
  }, 600_000);

  it('draws every glyph of every shown amount inside its panel and its column, in every currency, length, language, panel and mounting', () => {
    expect(result.problems.slice(0, 20)).toEqual([]);
    expect(result.checkedAmounts).toBeGreaterThan(5_000);
  });

  it('refuses only what the panel cannot hold: every amount up to 7 digits shows on every panel as usually mounted', () => {
    const refusedShort = [...result.refused].filter((k) => {
      const [where = '', , , length = '0'] = k.split('/');
      const [id, rot] = where.split('@');
      return Number(length) <= 7 && USUAL_MOUNT[id as keyof typeof USUAL_MOUNT] === Number(rot);
    });
    expect(refusedShort.slice(0, 20)).toEqual([]);
    // The issue's reproductions are shown (whole), not refused.
    for (const k of [
      'lcd-240x240@0/en/JPY/6',
      'lcd-240x240@0/en/USD/6',
      'lcd-240x240@0/ko/KRW/6',
      'waveshare-2in13-v4@90/ja/JPY/9',
      'waveshare-4in2-v2@0/ja/JPY/11',
    ])
      expect(result.refused.has(k), k).toBe(false);
    // The largest e-paper panel shows every amount the contract allows.
    expect([...result.refused].filter((k) => k.startsWith('waveshare-7in5-v2@'))).toEqual([]);
  });

  it('agrees with amountShowable, the check acceptance calls, on both sides of the boundary', () => {
    const checks: string[] = [];
    for (const lang of LANGS) {
      const cases = moneyCases(lang).filter((c) => ['JPY', 'USD', 'KWD', 'KRW', 'CLF', 'CNY'].includes(c.currency));
      for (const id of PANEL_IDS) {
        for (const rotation of [0, 90] as const) {
          for (const c of cases) {
            if (c.length % 3 !== 0 && c.length < 11) continue;
            const expected = !result.refused.has(`${id}@${rotation}/${lang}/${c.currency}/${c.length}`);
            const charge = screenOf('charge', c, lang) as Extract<Screen, { name: 'charge' }>;
            if (amountShowable(renderer, charge, PANELS[id], rotation, lang) !== expected)
              checks.push(`${id}@${rotation} ${lang} ${c.text}: expected ${expected ? 'showable' : 'refused'}`);
          }
        }
      }
    }
    expect(checks).toEqual([]);
    expect(result.refused.size).toBeGreaterThan(0);
  });
});
