/**
 * One visual size across scripts: in each text role, the ink of a Latin capital, a kana, a
 * Japanese kanji, Chinese Han and Hangul stands within two pixels of the others (Chinese Han
 * was GNU Unifont's 16 px in every role, towering over the 9 px small text around it).
 */
import { describe, expect, it } from 'vitest';
import type { Lang } from '../../../src/core/screen.js';
import { FontBook, type TextRole } from '../../../src/display/render/fonts/font-book.js';
import { defaultFontFiles } from '../../../src/display/render/fonts/font-files.js';
import { resampleGlyph } from '../../../src/display/render/fonts/scaled-font.js';
import type { Glyph } from '../../../src/display/render/fonts/glyph.js';
import { glyphOf } from '../../../src/display/render/text.js';

const book = new FontBook(defaultFontFiles());

function inkHeight(g: Glyph): number {
  let top = -1;
  let bottom = -1;
  for (let y = 0; y < g.height; y++)
    for (let x = 0; x < g.width; x++)
      if (g.bits[y * g.width + x] === 1) {
        if (top < 0) top = y;
        bottom = y;
      }
  return top < 0 ? 0 : bottom - top + 1;
}

const SAMPLES: ReadonlyArray<[string, Lang, string]> = [
  ['Latin capital', 'en', 'HPE'],
  ['kana', 'ja', 'アプリ'],
  ['Japanese kanji', 'ja', '読取支払'],
  ['Chinese Han', 'zh', '请使用扫码读应'],
  ['Hangul', 'ko', '결제완료한'],
];

describe.each(['small', 'body', 'bold', 'title'] as TextRole[])('%s role', (role) => {
  it('every script stands within 2 px of the others', () => {
    const heights = SAMPLES.map(([what, lang, chars]) => {
      const st = book.text(role, lang);
      return { what, h: Math.max(...Array.from(chars).map((c) => inkHeight(glyphOf(st, c.codePointAt(0) ?? 0)))) };
    });
    const hs = heights.map((x) => x.h);
    expect(Math.max(...hs) - Math.min(...hs), JSON.stringify(heights)).toBeLessThanOrEqual(2);
  });

  it('Chinese Han is no taller than the Japanese kanji by more than 2 px, and stays inked', () => {
    const zh = glyphOf(book.text(role, 'zh'), '读'.codePointAt(0) ?? 0);
    const ja = glyphOf(book.text(role, 'ja'), '読'.codePointAt(0) ?? 0);
    expect(inkHeight(zh) - inkHeight(ja)).toBeLessThanOrEqual(2);
    const inked = zh.bits.reduce((n, b) => n + b, 0) / (zh.width * zh.height);
    expect(inked).toBeGreaterThan(0.15);
  });
});

describe('resampling a bitmap glyph', () => {
  it('keeps a one-pixel stroke when shrinking', () => {
    const w = 16;
    const bits = new Uint8Array(w * 16);
    for (let y = 0; y < 16; y++) bits[y * w + 7] = 1; // a vertical hairline
    const g = resampleGlyph({ width: w, height: 16, left: 0, top: 14, advance: 16, bits }, 11 / 16);
    expect(g.height).toBe(11);
    for (let y = 0; y < g.height; y++) expect(Array.from(g.bits.subarray(y * g.width, (y + 1) * g.width)).some((b) => b === 1)).toBe(true);
  });
});
