/** Amounts in each currency and the phrases built from them. */
import { describe, expect, it } from 'vitest';
import { sayMoney } from '../../../src/voice/money-words.js';
import { jaKen, paidPhrase, shortPhrase, takingsPhrase } from '../../../src/voice/phrases.js';

describe('sayMoney', () => {
  const table: [Parameters<typeof sayMoney>[0], number, string, string, string][] = [
    ['ja', 1280, 'JPY', '千二百八十円', 'せんにひゃくはちじゅうえん'],
    ['ja', 0, 'JPY', '〇円', 'ゼロえん'],
    ['ja', 1250, 'USD', '十二ドル五十セント', 'じゅうにドルごじゅうセント'],
    ['en', 1250, 'USD', 'twelve dollars and fifty cents', 'twelve dollars and fifty cents'],
    ['en', 101, 'USD', 'one dollar and one cent', 'one dollar and one cent'],
    ['en', 50, 'USD', 'fifty cents', 'fifty cents'],
    ['en', 1280, 'JPY', 'one thousand two hundred eighty yen', 'one thousand two hundred eighty yen'],
    ['en', 1, 'KRW', 'one won', 'one won'],
    ['en', 1250, 'MYR', '12.50 MYR', 'twelve point five zero MYR'],
    ['en', 1234, 'KWD', '1.234 KWD', 'one point two three four KWD'],
    ['zh', 1250, 'CNY', '十二元五角', '十二元五角'],
    ['zh', 1205, 'CNY', '十二元零五分', '十二元零五分'],
    ['zh', 5, 'CNY', '五分', '五分'],
    ['zh', 200, 'CNY', '两元', '两元'],
    ['zh', 1280, 'JPY', '一千两百八十日元', '一千两百八十日元'],
    ['ko', 1280, 'KRW', '천이백팔십 원', '천이백팔십 원'],
    ['ko', 10_000, 'KRW', '만 원', '만 원'],
    ['ko', 1250, 'USD', '십이 달러 오십 센트', '십이 달러 오십 센트'],
  ];
  it.each(table)('%s %d %s -> %s', (lang, amount, currency, shown, spoken) => {
    expect(sayMoney(lang, amount, currency)).toEqual({ shown, spoken });
  });
});

describe('phrases', () => {
  it('the payment, in each language, with the wallet in a script its voice reads', () => {
    expect(paidPhrase('ja', 1280, 'JPY', 'LINE Pay')).toMatchObject({
      shown: '千二百八十円、LINE Payで受け取りました',
      spoken: 'せんにひゃくはちじゅうえん、ラインペイでうけとりました',
      priority: 'sale',
    });
    expect(paidPhrase('en', 1280, 'JPY', 'LINE Pay').shown).toBe('one thousand two hundred eighty yen received with LINE Pay');
    expect(paidPhrase('zh', 1250, 'CNY', 'Alipay').spoken).toBe('支付宝收款十二元五角');
    expect(paidPhrase('ko', 1280, 'KRW').spoken).toBe('천이백팔십 원 결제 완료');
    expect(paidPhrase('ja', 1280, 'JPY', undefined, 'replay').priority).toBe('info');
  });
  it('short phrases are info, not sales', () => {
    expect(shortPhrase('ja', 'failed')).toMatchObject({ spoken: 'けっさいできませんでした', priority: 'info' });
  });
  it('件 in kana takes its sound changes', () => {
    expect([1, 3, 6, 8, 10, 100].map((n) => jaKen(n).spoken)).toEqual(['いっけん', 'さんけん', 'ろっけん', 'はっけん', 'じゅっけん', 'ひゃっけん']);
  });
  it('the takings per currency, and a day without sales', () => {
    const lines = [{ currency: 'JPY', count: 3, amount: 3840 }];
    expect(takingsPhrase('ja', lines).shown).toBe('本日の売上、三件、三千八百四十円');
    expect(takingsPhrase('en', [{ currency: 'USD', count: 1, amount: 1250 }]).spoken).toBe('Today: one sale, twelve dollars and fifty cents');
    expect(takingsPhrase('zh', [{ currency: 'CNY', count: 2, amount: 2000 }]).spoken).toBe('今天收款两笔，共二十元');
    expect(takingsPhrase('ko', [{ currency: 'KRW', count: 20, amount: 10_000 }]).spoken).toBe('오늘 매출 스무 건, 만 원');
    expect(takingsPhrase('en', []).spoken).toBe('No sales today yet');
  });
});

describe('every currency the simulator offers has words in every language', () => {
  it.each(['ja', 'en', 'zh', 'ko'] as const)('%s: no amount falls back to its ISO code', async (lang) => {
    const { CURRENCY_CHOICES } = await import('../../../src/sim/snapshot.js');
    for (const c of CURRENCY_CHOICES) {
      const said = sayMoney(lang, 1250, c);
      expect(said.spoken, `${lang} ${c}`).not.toContain(c);
      expect(said.spoken, `${lang} ${c}`).not.toMatch(/[0-9]/);
    }
  });
});
