/**
 * Japanese and Chinese line breaking: every UI string in ja and zh, wrapped in every text role
 * at every width a panel gives text, never starts a line with closing punctuation, ー or a small
 * kana, never ends one with an opening bracket, and never breaks inside a Japanese phrase that
 * would fit on a line (読み取っ|て). Korean breaks at spaces, not inside words.
 */
import { describe, expect, it } from 'vitest';
import type { Lang } from '../../../src/core/screen.js';
import { STRING_KEYS, t } from '../../../src/display/i18n.js';
import { PANELS } from '../../../src/display/panels.js';
import { FontBook } from '../../../src/display/render/fonts/font-book.js';
import { defaultFontFiles } from '../../../src/display/render/fonts/font-files.js';
import { lineBreakTokens, NO_END, NO_START } from '../../../src/display/render/line-break.js';
import { ELLIPSIS, measure, wrapText } from '../../../src/display/render/text.js';

const book = new FontBook(defaultFontFiles());
const VARS = { t: '4:32', id: 'A-1042', w: 'PayPay', port: '/dev/ttyUSB0' };
const ROLES = ['small', 'body', 'bold', 'title'] as const;

/** Every text width a screen gives a column: the panel's sides minus margins, and the side column beside a QR or icon. */
const WIDTHS = [
  ...new Set(
    Object.values(PANELS).flatMap((p) =>
      [p.width, p.height].flatMap((side) => [side - 6, side - 12, side - 16, side - 28, Math.round(side * 0.38) - 8, Math.round(side * 0.6) - 12]),
    ),
  ),
]
  .filter((w) => w >= 40)
  .sort((a, b) => a - b);

/** Phrases a line must not break inside (when the phrase alone fits the width). */
const PHRASES = [
  '読み取って',
  'ください',
  'お支払い',
  'ありがとうございました',
  '有効期限',
  '店員に',
  'シリアルケーブル',
  '読み取らないで',
  '確認しました',
  '接続中',
  '技術者の',
];

describe('kinsoku on the real strings', () => {
  for (const lang of ['ja', 'zh'] as Lang[]) {
    it(`${lang}: no line starts with a forbidden character or ends with an opening bracket, at every width and role`, () => {
      const bad: string[] = [];
      let checked = 0;
      for (const key of STRING_KEYS) {
        const text = t(lang, key, VARS);
        for (const role of ROLES)
          for (const scale of [1, 2]) {
            const style = book.text(role, lang, scale);
            // Doubled styles are only used on panels with columns of 100 px and more.
            for (const w of WIDTHS.filter((x) => scale === 1 || x >= 100)) {
              const lines = wrapText(style, text, w, 6);
              checked += lines.length;
              lines.forEach((line, i) => {
                const first = Array.from(line)[0] ?? '';
                const last = Array.from(line).at(-1) ?? '';
                if (i > 0 && NO_START.has(first)) bad.push(`${key}/${role}x${scale}@${w}: line ${i} starts with ${first}: ${JSON.stringify(lines)}`);
                if (i < lines.length - 1 && NO_END.has(last)) bad.push(`${key}/${role}x${scale}@${w}: line ${i} ends with ${last}: ${JSON.stringify(lines)}`);
                if (measure(style, line).width > w) bad.push(`${key}/${role}x${scale}@${w}: line ${i} is wider than the column`);
              });
            }
          }
      }
      expect(bad.slice(0, 10)).toEqual([]);
      expect(checked).toBeGreaterThan(1000);
    });
  }

  it('ja: never breaks inside a phrase that fits the line', () => {
    const bad: string[] = [];
    for (const key of STRING_KEYS) {
      const text = t('ja', key, VARS);
      for (const role of ROLES) {
        const style = book.text(role, 'ja');
        for (const w of WIDTHS) {
          const lines = wrapText(style, text, w, 8);
          if (lines.some((l) => l.endsWith(ELLIPSIS))) continue;
          for (let i = 0; i + 1 < lines.length; i++) {
            const joint = `${lines[i] ?? ''}|${lines[i + 1] ?? ''}`;
            for (const p of PHRASES) {
              if (measure(style, p).width > w) continue;
              for (let k = 1; k < p.length; k++)
                if (joint.includes(`${p.slice(0, k)}|${p.slice(k)}`)) bad.push(`${key}/${role}@${w}: ${p.slice(0, k)}|${p.slice(k)}`);
            }
          }
        }
      }
    }
    expect(bad.slice(0, 10)).toEqual([]);
  });

  it('keeps the text: the lines, joined, are the string (no character lost or cut) when it fits', () => {
    const style = book.text('body', 'ja');
    const text = t('ja', 'doNotScan');
    const lines = wrapText(style, text, 90, 10);
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.join('')).toBe(text);
  });
});

describe('where a line may break', () => {
  it('splits Japanese into phrases, not characters', () => {
    expect(lineBreakTokens('対応アプリで読み取ってください')).toEqual(['対応', 'アプリで', '読み取って', 'ください']);
    expect(lineBreakTokens('遅れて入金を確認しました')).toEqual(['遅れて', '入金を', '確認しました']);
    expect(lineBreakTokens('現在QR決済は使えません。読み取らないでください')).toEqual(['現在', 'QR決済は', '使えません。', '読み取らないで', 'ください']);
    expect(lineBreakTokens('店員にお声がけください')).toEqual(['店員に', 'お声がけ', 'ください']);
  });

  it('lets Chinese break between Han characters, never before closing punctuation', () => {
    const toks = lineBreakTokens('暂停二维码支付，请勿扫码');
    expect(toks).toContain('付，');
    expect(toks.every((x) => !NO_START.has(Array.from(x)[0] ?? ''))).toBe(true);
  });

  it('keeps Korean words and Latin words whole (breaks at spaces)', () => {
    expect(lineBreakTokens('지원되는 앱으로 스캔하세요')).toEqual(['지원되는 ', '앱으로 ', '스캔하세요']);
    expect(lineBreakTokens('Connect a 3.3 V cable')).toEqual(['Connect ', 'a ', '3.3 ', 'V ', 'cable']);
  });

  it('cuts a Japanese phrase wider than the line between characters kinsoku allows', () => {
    const style = book.text('body', 'ja');
    const lines = wrapText(style, 'ありがとうございました', measure(style, 'ありがと').width, 4);
    expect(lines.join('')).toBe('ありがとうございました');
    for (const l of lines.slice(1)) expect(NO_START.has(Array.from(l)[0] ?? '')).toBe(false);
  });
});
