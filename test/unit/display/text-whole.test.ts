/**
 * Every text a customer reads is drawn whole, read back from the rendered frames: store names,
 * order references, wallet names and the status lines, long and short, on every panel, mounting
 * and language. Ellipsis only where the design allows it (store name, wallet names, free text);
 * an order reference is shown whole or not at all; never a cut glyph.
 */
import { describe, expect, it } from 'vitest';
import type { Lang, Screen } from '../../../src/core/screen.js';
import { PANEL_IDS } from '../../../src/display/config.js';
import { LANGS, t } from '../../../src/display/i18n.js';
import { PANELS } from '../../../src/display/panels.js';
import { ELLIPSIS } from '../../../src/display/render/text.js';
import { newTrace } from '../../../src/display/render/ink.js';
import { viewOf } from '../../../src/display/render/png.js';
import { Renderer } from '../../../src/display/render/renderer.js';
import { sampleScreen } from '../../../src/display/render/samples.js';
import type { Rotation } from '../../../src/display/render/to-frame.js';
import { framePixels, wholeLineProblems } from './whole-text.js';

const renderer = new Renderer();
const ROTATIONS: readonly Rotation[] = [0, 90, 180, 270];
const LONG_STORE: Record<Lang, string> = {
  ja: 'さくら珈琲ロースターズ＆ベーカリー 渋谷駅東口店 駅ビル二階 カウンター三番',
  en: 'Sakura Coffee Roasters and Bakery, Shibuya Station East Exit, Second Floor, Counter 3',
  zh: '樱花咖啡烘焙坊与面包店 涩谷站东口店 车站大楼二楼 三号柜台',
  ko: '사쿠라 커피 로스터스 앤 베이커리 시부야역 동쪽 출구점 역 빌딩 이층 삼번 카운터',
};
const LONG_REF = 'RCPT-2026-12-01-TABLE-14-SEAT-3-SPLIT-2-OF-4-ABCDEFGHIJKLMNOPQRST'.slice(0, 64);
const TAKINGS = 'today: 1234 sales, 9999999999999 JPY; 12 sales, 9999999999.99 USD; 3 sales, 999999999.999 KWD';
const LONG_WALLET = 'Alipay+ (Kakao Pay, via partner)'.slice(0, 32);

/** A screen to draw; `order` and `store` as the customer should read them; `free` texts the design lets the layout shorten. */
function screens(lang: Lang): { screen: Screen; order?: string; store?: string; free?: readonly string[] }[] {
  const charge = sampleScreen('charge', { lang, store: LONG_STORE[lang] }) as Extract<Screen, { name: 'charge' }>;
  const short = sampleScreen('charge', { lang }) as Extract<Screen, { name: 'charge' }>;
  return [
    { screen: { ...charge, reference: LONG_REF }, order: t(lang, 'order', { id: LONG_REF }), store: LONG_STORE[lang] },
    { screen: short, order: t(lang, 'order', { id: short.reference ?? '' }), store: short.storeName },
    { screen: { name: 'paid', money: { amount: 128_000, currency: 'JPY' }, wallet: LONG_WALLET, orderId: 'ORD-20260101-0042-XYZ' }, free: [LONG_WALLET] },
    {
      screen: { name: 'failed', money: { amount: 128_000, currency: 'JPY' }, orderId: 'ORD-20260101-0042-XYZ', reason: 'declined by wallet' },
      order: t(lang, 'order', { id: 'ORD-20260101-0042-XYZ' }),
      free: ['declined by wallet'],
    },
    { screen: sampleScreen('idle', { lang, store: LONG_STORE[lang] }), store: LONG_STORE[lang] },
    { screen: sampleScreen('status', { lang }) },
    { screen: { name: 'status', lines: ['till-shibuya-01 · 1.4.2', TAKINGS, 'charge · broker connected'] } },
  ];
}

describe.each(PANEL_IDS.map((id) => [id]))('%s', (id) => {
  it('draws every line of text whole; order references are never shortened; ellipsis only on store and wallet names', () => {
    const problems: string[] = [];
    for (const lang of LANGS) {
      for (const rotation of ROTATIONS) {
        for (const { screen, order, store, free = [] } of screens(lang)) {
          const trace = newTrace();
          const upright = viewOf(renderer.render(screen, PANELS[id], rotation, lang, { trace }), rotation);
          const where = `${lang} ${screen.name} @${rotation}`;
          for (const line of trace.lines) {
            problems.push(...wholeLineProblems(framePixels(upright), line).map((p) => `${where}: ${p}`));
            if (order !== undefined && line.text.startsWith(order.slice(0, 3)) && line.text.endsWith(ELLIPSIS))
              problems.push(`${where}: order reference shortened to ${line.text}`);
          }
          const orderLine = order === undefined ? undefined : trace.lines.find((l) => l.text === order);
          if (order !== undefined && orderLine === undefined && trace.lines.some((l) => l.text.includes(order.slice(-6))))
            problems.push(`${where}: the order reference is drawn but not whole`);
          if (store !== undefined) {
            const shown = trace.lines.find((l) => store.startsWith(l.text.replace(ELLIPSIS, '').trimEnd()) && l.text.length > 1);
            if (shown !== undefined && shown.text !== store && !shown.text.endsWith(ELLIPSIS))
              problems.push(`${where}: store name cut without an ellipsis: ${shown.text}`);
          }
          // The takings (amounts) on the status screen: each row whole over its lines, or absent.
          if (screen.name === 'status' && screen.lines.includes(TAKINGS)) {
            const rows = trace.lines.filter((l) => /sales|JPY|USD|KWD/.test(l.text)).map((l) => l.text);
            if (rows.length > 0 && rows.join(' ') !== TAKINGS) problems.push(`${where}: the takings row is drawn as ${JSON.stringify(rows)}`);
          }
          const shortened = trace.lines.filter((l) => l.text.endsWith(ELLIPSIS) && l.kind === 'text');
          for (const l of shortened) {
            // Shortened only on a line that carries a text the design lets shrink (the store name
            // alone; a wallet name or a reason inside its sentence), never on fixed wording alone.
            const kept = l.text.slice(0, -1).trimEnd();
            const allowed = (store !== undefined && store.startsWith(kept)) || free.some((f) => kept.includes(f.slice(0, Math.min(f.length, 6))));
            if (!allowed) problems.push(`${where}: ${l.text} is shortened where the design does not allow it`);
          }
        }
      }
    }
    expect(problems.slice(0, 20)).toEqual([]);
  });
});
