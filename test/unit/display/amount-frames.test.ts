/**
 * The amount on the real frames: for every panel, mounting (0, 90, 180, 270) and language, the
 * longest amount each panel accepts (in a currency without and one with decimals) is read back
 * from the rendered frame — every glyph's ink on the frame, inside the panel and its column, the
 * whole formatted string — on the charge screen and every result screen (paid is also the
 * button's glance); the first longer amount is refused and never drawn cut. Mountings 180 and 270
 * show exactly the picture of 0 and 90, turned (so amount-whole.test.ts may share their layouts).
 */
import { describe, expect, it } from 'vitest';
import { isTillqrError } from '../../../src/core/errors.js';
import type { Lang, Screen } from '../../../src/core/screen.js';
import { PANEL_IDS } from '../../../src/display/config.js';
import { LANGS, LOCALES } from '../../../src/display/i18n.js';
import { PANELS, USUAL_MOUNT } from '../../../src/display/panels.js';
import { amountShowable } from '../../../src/display/render/fit.js';
import { newTrace } from '../../../src/display/render/ink.js';
import { viewOf } from '../../../src/display/render/png.js';
import { renderOrError, Renderer } from '../../../src/display/render/renderer.js';
import { sampleScreen } from '../../../src/display/render/samples.js';
import type { Rotation } from '../../../src/display/render/to-frame.js';
import { formatMoney, maxAmount } from '../../../src/payment/money.js';
import { framePixels, wholeLineProblems } from './whole-text.js';

const renderer = new Renderer();
const KINDS = ['charge', 'paid', 'failed', 'expired', 'cancelled'] as const;

function eights(n: number): number {
  return Number('8'.repeat(n));
}

/** The longest all-eights amount the panel accepts at this mounting and language. */
function longestShown(id: (typeof PANEL_IDS)[number], rotation: Rotation, lang: Lang, currency: string): number {
  for (let n = String(maxAmount(currency)).length; n > 0; n--) {
    const charge = sampleScreen('charge', { amount: eights(n), currency, lang }) as Extract<Screen, { name: 'charge' }>;
    if (amountShowable(renderer, charge, PANELS[id], rotation, lang)) return n;
  }
  return 0;
}

describe.each(PANEL_IDS.map((id) => [id]))('%s', (id) => {
  const panel = PANELS[id];
  it('draws the longest accepted amount whole on every money screen, mounting and language, and refuses the next', () => {
    const problems: string[] = [];
    for (const lang of LANGS) {
      for (const currency of ['JPY', 'USD']) {
        for (const base of [0, 90] as const) {
          const n = longestShown(id, base, lang, currency);
          if (n < 7 && USUAL_MOUNT[id] === base) problems.push(`${lang} ${currency} @${base}: only ${n} digits are accepted`);
          for (const rotation of [base, (base + 180) as Rotation]) {
            // Results at 180/270 are the turned picture (the test below); the charge is drawn at all four.
            for (const kind of rotation === base ? KINDS : (['charge'] as const)) {
              const screen = sampleScreen(kind, { amount: eights(n), currency, lang });
              const trace = newTrace();
              const upright = viewOf(renderer.render(screen, panel, rotation, lang, { trace }), rotation);
              const where = `${lang} ${kind} @${rotation}`;
              const lines = trace.lines.filter((l) => l.kind === 'amount');
              const text = formatMoney(eights(n), currency, LOCALES[lang]);
              if (lines.length !== 1 || lines[0]?.text !== text)
                problems.push(`${where}: the amount lines are ${JSON.stringify(lines.map((l) => l.text))}, not ${text}`);
              for (const l of lines) problems.push(...wholeLineProblems(framePixels(upright), l).map((p) => `${where}: ${p}`));
            }
          }
          if (n === String(maxAmount(currency)).length) continue;
          // One digit more is refused; drawn anyway (after a live language or mounting change), the
          // charge is the error screen or its amount is whole, and a result leaves it out rather than cut it.
          for (const kind of KINDS) {
            const screen = sampleScreen(kind, { amount: eights(n + 1), currency, lang });
            const trace = newTrace();
            const { frame, error } = renderOrError(renderer, screen, panel, base, lang, { trace });
            if (error !== undefined) {
              if (!isTillqrError(error, 'AMOUNT_UNSHOWABLE') || kind !== 'charge') problems.push(`${lang} ${currency} ${kind} @${base}: ${error.code}`);
              continue;
            }
            for (const l of trace.lines.filter((x) => x.kind === 'amount'))
              problems.push(...wholeLineProblems(framePixels(viewOf(frame, base)), l).map((p) => `${lang} ${kind} @${base} refused: ${p}`));
            if (kind === 'charge' && !trace.lines.some((l) => l.kind === 'amount'))
              problems.push(`${lang} ${currency} @${base}: a charge drawn without its amount`);
          }
        }
      }
    }
    expect(problems.slice(0, 20)).toEqual([]);
  });

  it('shows at 180 and 270 the picture of 0 and 90 turned over, long amounts included', () => {
    for (const [a, b] of [
      [0, 180],
      [90, 270],
    ] as const) {
      const screen = sampleScreen('charge', { amount: eights(longestShown(id, a, 'en', 'JPY')), currency: 'JPY', lang: 'en' });
      const up = viewOf(renderer.render(screen, panel, a, 'en'), a);
      const over = viewOf(renderer.render(screen, panel, b, 'en'), b);
      expect(Buffer.from(over.data).equals(Buffer.from(up.data)), `${a} vs ${b}`).toBe(true);
    }
  });
});
