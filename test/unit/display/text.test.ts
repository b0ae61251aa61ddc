/**
 * Text: every UI string and sample store names in ja / zh-Hans / zh-Hant / ko / Latin have real
 * glyphs (no missing-glyph boxes) in every text role; measuring, ellipsizing and wrapping.
 */
import { describe, expect, it } from 'vitest';
import { LANGS, STRING_KEYS, t } from '../../../src/display/i18n.js';
import { FontBook, HAN_PX, type TextRole } from '../../../src/display/render/fonts/font-book.js';
import { defaultFontFiles, missingFonts } from '../../../src/display/render/fonts/font-files.js';
import { covers, ELLIPSIS, glyphOf, measure, packParts, wrapText } from '../../../src/display/render/text.js';

const book = new FontBook(defaultFontFiles());
const ROLES: readonly TextRole[] = ['small', 'body', 'bold', 'title'];

describe('fonts', () => {
  it('are all installed (galmuri from npm, unifont and fonts-dejavu-core from Debian)', () => {
    expect(missingFonts(defaultFontFiles())).toEqual([]);
    expect(book.hasOutlineFont).toBe(true);
  });

  it('cover every UI string in its language in every role', () => {
    for (const lang of LANGS) {
      for (const key of STRING_KEYS) {
        for (const role of ROLES)
          expect(covers(book.text(role, lang), t(lang, key, { t: '4:32', id: 'A-1', port: 'USB-C', w: 'PayPay' })), `${lang} ${key} ${role}`).toBe(true);
      }
    }
  });

  it('cover store names in Japanese, Simplified and Traditional Chinese, Korean and Latin', () => {
    const names = {
      ja: 'ラーメン一蘭 渋谷店・本館',
      zh: '樱花咖啡 深圳湾店 臺灣珍珠奶茶專賣',
      ko: '스타벅스 강남역점',
      en: 'Café Zoë — Crème brûlée & Co.',
    } as const;
    for (const [lang, name] of Object.entries(names)) {
      for (const role of ROLES) expect(covers(book.text(role, lang as keyof typeof names), name), `${lang} ${role}`).toBe(true);
    }
  });

  it('draw large amounts in every supported style of currency symbol', () => {
    for (const text of ['¥1,280', '￥1,280', '$12.50', '€9,99', '₩12,000', 'CN¥88.00', '£3.20', 'HK$10.00'])
      expect(covers(book.amount(48, 'en'), text), text).toBe(true);
  });

  it('keeps Chinese Han characters in Chinese forms (from Unifont, not the Japanese Galmuri forms)', () => {
    const zh = book.text('body', 'zh');
    const ja = book.text('body', 'ja');
    // 写 (U+5199): Chinese text takes Unifont's 16x16 design (resampled to the role's size, HAN_PX), Japanese text Galmuri's own.
    const zhGlyph = glyphOf(zh, 0x5199);
    const jaGlyph = glyphOf(ja, 0x5199);
    expect([zhGlyph.width, zhGlyph.height]).toEqual([HAN_PX.body, HAN_PX.body]);
    expect(Buffer.from(zhGlyph.bits).equals(Buffer.from(jaGlyph.bits))).toBe(false);
    // Latin in Chinese text still comes from Galmuri, like every other language.
    expect(glyphOf(zh, 0x41)).toBe(glyphOf(book.text('body', 'zh'), 0x41));
    expect(glyphOf(zh, 0x41).bits).toEqual(glyphOf(ja, 0x41).bits);
  });
});

describe('measure, ellipsize and wrap', () => {
  const body = book.text('body', 'en');
  it('measures the sum of advances', () => {
    expect(measure(body, 'ab').width).toBe(measure(body, 'a').width + measure(body, 'b').width);
    expect(measure(book.text('body', 'en', 2), 'ab').width).toBe(2 * measure(body, 'ab').width);
  });

  it('wraps at spaces and between CJK characters, ellipsizing what is left', () => {
    const lines = wrapText(body, 'Check the ribbon cable between the panel and the HAT', 90, 2);
    expect(lines).toHaveLength(2);
    for (const l of lines) expect(measure(body, l).width).toBeLessThanOrEqual(90);
    expect(lines[1]?.endsWith(ELLIPSIS)).toBe(true);
    const ja = book.text('body', 'ja');
    const jl = wrapText(ja, '対応アプリで読み取ってください', 60, 5);
    expect(jl.join('')).toBe('対応アプリで読み取ってください');
    for (const l of jl) expect(measure(ja, l).width).toBeLessThanOrEqual(60);
  });

  it('packs names whole, never splitting one', () => {
    const parts = ['PayPay', 'd払い', 'WeChat Pay', 'KakaoPay'];
    const lines = packParts(body, parts, ' · ', 120, 3);
    expect(lines.join(' · ').split(' · ')).toEqual(parts);
  });
});

describe('missing fonts', () => {
  it('are named for the technician, and screens still render with a scannable QR', async () => {
    const { Renderer } = await import('../../../src/display/render/renderer.js');
    const { PANELS } = await import('../../../src/display/panels.js');
    const { sampleScreen } = await import('../../../src/display/render/samples.js');
    const { decodeFrame } = await import('./payloads.js');
    expect(missingFonts({})).toHaveLength(3);
    const bare = new Renderer({ fonts: {} });
    expect(bare.fonts.hasOutlineFont).toBe(false);
    const frame = bare.render(sampleScreen('charge', { qr: 'https://pay.example/9' }), PANELS['waveshare-2in9-v2'], 90, 'ja');
    expect(decodeFrame(frame)).toBe('https://pay.example/9');
  });
});
