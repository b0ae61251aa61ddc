/** The number readers against tables of the hard cases, per language. */
import { describe, expect, it } from 'vitest';
import { isTillqrError } from '../../../src/core/errors.js';
import { enNumber } from '../../../src/voice/words-en.js';
import { jaNumber } from '../../../src/voice/words-ja.js';
import { koCount, koSino } from '../../../src/voice/words-ko.js';
import { zhNumber } from '../../../src/voice/words-zh.js';

describe('jaNumber', () => {
  const table: [number, string, string][] = [
    [0, '〇', 'ゼロ'],
    [1, '一', 'いち'],
    [10, '十', 'じゅう'],
    [11, '十一', 'じゅういち'],
    [100, '百', 'ひゃく'],
    [300, '三百', 'さんびゃく'],
    [600, '六百', 'ろっぴゃく'],
    [800, '八百', 'はっぴゃく'],
    [1000, '千', 'せん'],
    [3000, '三千', 'さんぜん'],
    [8000, '八千', 'はっせん'],
    [1280, '千二百八十', 'せんにひゃくはちじゅう'],
    [10_000, '一万', 'いちまん'],
    [11_000, '一万千', 'いちまんせん'],
    [38_600, '三万八千六百', 'さんまんはっせんろっぴゃく'],
    [10_000_000, '一千万', 'いっせんまん'],
    [30_000_000, '三千万', 'さんぜんまん'],
    [100_000_000, '一億', 'いちおく'],
    [100_000_001, '一億一', 'いちおくいち'],
    [380_000_000, '三億八千万', 'さんおくはっせんまん'],
    [1_000_000_000_000, '一兆', 'いっちょう'],
    [8_000_000_000_000, '八兆', 'はっちょう'],
    [
      9_999_999_999_999,
      '九兆九千九百九十九億九千九百九十九万九千九百九十九',
      'きゅうちょうきゅうせんきゅうひゃくきゅうじゅうきゅうおくきゅうせんきゅうひゃくきゅうじゅうきゅうまんきゅうせんきゅうひゃくきゅうじゅうきゅう',
    ],
    [10_000_000_000_000, '十兆', 'じゅっちょう'],
  ];
  it.each(table)('%d -> %s (%s)', (n, kanji, kana) => {
    expect(jaNumber(n)).toEqual({ kanji, kana });
  });
});

describe('zhNumber', () => {
  const table: [number, string][] = [
    [0, '零'],
    [2, '二'],
    [10, '十'],
    [12, '十二'],
    [20, '二十'],
    [22, '二十二'],
    [102, '一百零二'],
    [110, '一百一十'],
    [200, '两百'],
    [1005, '一千零五'],
    [1010, '一千零一十'],
    [1200, '一千两百'],
    [1280, '一千两百八十'],
    [2000, '两千'],
    [10_005, '一万零五'],
    [10_050, '一万零五十'],
    [15_000, '一万五千'],
    [20_000, '两万'],
    [120_000, '十二万'],
    [220_000, '二十二万'],
    [100_010, '十万零一十'],
    [100_500, '十万零五百'],
    [1_000_500, '一百万零五百'],
    [20_000_000, '两千万'],
    [100_000_000, '一亿'],
    [200_000_000, '两亿'],
    [100_010_000, '一亿零一万'],
    [100_000_005, '一亿零五'],
    [1_500_000_000_000, '一万五千亿'],
  ];
  it.each(table)('%d -> %s', (n, text) => {
    expect(zhNumber(n)).toBe(text);
  });
  it('a lone 2 before a measure word is 两, other numbers are unchanged', () => {
    expect(zhNumber(2, { measure: true })).toBe('两');
    expect(zhNumber(12, { measure: true })).toBe('十二');
  });
});

describe('Korean', () => {
  const sino: [number, string][] = [
    [0, '영'],
    [1, '일'],
    [10, '십'],
    [16, '십육'],
    [100, '백'],
    [1000, '천'],
    [1280, '천이백팔십'],
    [10_000, '만'],
    [11_000, '만 천'],
    [110_000, '십일만'],
    [12_345_678, '천이백삼십사만 오천육백칠십팔'],
    [100_000_000, '일억'],
    [120_000_000, '일억 이천만'],
    [1_000_000_000_000, '일조'],
  ];
  it.each(sino)('Sino-Korean %d -> %s', (n, text) => {
    expect(koSino(n)).toBe(text);
  });
  const native: [number, string][] = [
    [1, '한'],
    [2, '두'],
    [3, '세'],
    [4, '네'],
    [10, '열'],
    [12, '열두'],
    [20, '스무'],
    [21, '스물한'],
    [99, '아흔아홉'],
    [100, '백'],
  ];
  it.each(native)('native count %d -> %s', (n, text) => {
    expect(koCount(n)).toBe(text);
  });
});

describe('enNumber', () => {
  const table: [number, string][] = [
    [0, 'zero'],
    [12, 'twelve'],
    [21, 'twenty-one'],
    [100, 'one hundred'],
    [1280, 'one thousand two hundred eighty'],
    [100_000, 'one hundred thousand'],
    [1_000_001, 'one million one'],
    [
      9_999_999_999_999,
      'nine trillion nine hundred ninety-nine billion nine hundred ninety-nine million nine hundred ninety-nine thousand nine hundred ninety-nine',
    ],
  ];
  it.each(table)('%d -> %s', (n, text) => {
    expect(enNumber(n)).toBe(text);
  });
});

describe('bad input', () => {
  it.each([-1, 1.5, Number.NaN, 2 ** 60])('%d is refused MONEY_INVALID by every reader', (n) => {
    for (const f of [jaNumber, zhNumber, koSino, enNumber]) {
      let caught: unknown;
      try {
        f(n);
      } catch (e) {
        caught = e;
      }
      expect(isTillqrError(caught, 'MONEY_INVALID')).toBe(true);
    }
  });
});
