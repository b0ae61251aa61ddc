/**
 * An amount of money said in words, per language: shown (what a log or a screen may print) and
 * spoken (what the speech engine reads; for Japanese, kana). Minor units come from the ISO 4217
 * table: JPY and KRW have none (1280 JPY is 千二百八十円), USD has cents ("twelve dollars and fifty
 * cents"), CNY has 角 and 分 (十二元五角, 十二元零五分). A currency without a name here is read as
 * its number and its code ("12.50 MYR"). Pure.
 */
import { minorUnits } from '../payment/money.js';
import { enNumber } from './words-en.js';
import { jaNumber } from './words-ja.js';
import { koSino } from './words-ko.js';
import { zhNumber } from './words-zh.js';

export const VOICE_LANGS = ['ja', 'en', 'zh', 'ko'] as const;
export type VoiceLang = (typeof VOICE_LANGS)[number];

export interface Said {
  readonly shown: string;
  readonly spoken: string;
}

interface Names {
  /** Unit of the whole part; en: [singular, plural]. */
  readonly major: readonly [string, string];
  readonly minor?: readonly [string, string];
  /** ja: the kana of major/minor (default: the name itself, already kana). */
  readonly kana?: readonly [string, string];
}

type Table = Readonly<Record<string, Names>>;

const EN: Table = {
  JPY: { major: ['yen', 'yen'] },
  KRW: { major: ['won', 'won'] },
  USD: { major: ['dollar', 'dollars'], minor: ['cent', 'cents'] },
  AUD: { major: ['Australian dollar', 'Australian dollars'], minor: ['cent', 'cents'] },
  CAD: { major: ['Canadian dollar', 'Canadian dollars'], minor: ['cent', 'cents'] },
  HKD: { major: ['Hong Kong dollar', 'Hong Kong dollars'], minor: ['cent', 'cents'] },
  SGD: { major: ['Singapore dollar', 'Singapore dollars'], minor: ['cent', 'cents'] },
  TWD: { major: ['New Taiwan dollar', 'New Taiwan dollars'], minor: ['cent', 'cents'] },
  EUR: { major: ['euro', 'euros'], minor: ['cent', 'cents'] },
  GBP: { major: ['pound', 'pounds'], minor: ['penny', 'pence'] },
  CNY: { major: ['yuan', 'yuan'], minor: ['fen', 'fen'] },
  THB: { major: ['baht', 'baht'], minor: ['satang', 'satang'] },
  INR: { major: ['rupee', 'rupees'], minor: ['paisa', 'paise'] },
};

const JA: Table = {
  JPY: { major: ['円', ''], kana: ['えん', ''] },
  USD: { major: ['ドル', 'セント'] },
  EUR: { major: ['ユーロ', 'セント'] },
  CNY: { major: ['元', '分'], kana: ['げん', 'ふん'] },
  KRW: { major: ['ウォン', ''] },
  GBP: { major: ['ポンド', 'ペンス'] },
  TWD: { major: ['台湾ドル', 'セント'], kana: ['たいわんドル', 'セント'] },
  HKD: { major: ['香港ドル', 'セント'], kana: ['ホンコンドル', 'セント'] },
  SGD: { major: ['シンガポールドル', 'セント'] },
  AUD: { major: ['オーストラリアドル', 'セント'] },
  CAD: { major: ['カナダドル', 'セント'] },
  THB: { major: ['バーツ', 'サタン'] },
};

const ZH: Table = {
  CNY: { major: ['元', ''] },
  JPY: { major: ['日元', ''] },
  KRW: { major: ['韩元', ''] },
  USD: { major: ['美元', '美分'] },
  EUR: { major: ['欧元', '欧分'] },
  HKD: { major: ['港元', '仙'] },
  TWD: { major: ['新台币', '分'] },
  GBP: { major: ['英镑', '便士'] },
  SGD: { major: ['新加坡元', '分'] },
  AUD: { major: ['澳元', '分'] },
  THB: { major: ['泰铢', '萨当'] },
};

const KO: Table = {
  KRW: { major: ['원', ''] },
  JPY: { major: ['엔', ''] },
  USD: { major: ['달러', '센트'] },
  EUR: { major: ['유로', '센트'] },
  CNY: { major: ['위안', '펀'] },
  GBP: { major: ['파운드', '펜스'] },
  TWD: { major: ['대만 달러', '센트'] },
  HKD: { major: ['홍콩 달러', '센트'] },
  SGD: { major: ['싱가포르 달러', '센트'] },
  AUD: { major: ['호주 달러', '센트'] },
  THB: { major: ['바트', '사탕'] },
};

function split(amount: number, currency: string): { whole: number; minor: number; decimals: number } {
  const decimals = minorUnits(currency);
  const f = 10 ** decimals;
  return { whole: Math.floor(amount / f), minor: amount % f, decimals };
}

function plain(amount: number, currency: string, decimals: number): string {
  const digits = String(amount).padStart(decimals + 1, '0');
  return decimals === 0 ? `${digits} ${currency}` : `${digits.slice(0, -decimals)}.${digits.slice(-decimals)} ${currency}`;
}

function en(amount: number, currency: string): Said {
  const { whole, minor, decimals } = split(amount, currency);
  const n = EN[currency];
  if (n === undefined || (decimals > 0 && n.minor === undefined) || decimals > 2) {
    const text =
      decimals === 0
        ? `${enNumber(whole)} ${currency}`
        : `${enNumber(whole)} point ${[...String(minor).padStart(decimals, '0')].map((c) => enNumber(Number(c))).join(' ')} ${currency}`;
    return { shown: plain(amount, currency, decimals), spoken: text };
  }
  const unit = (v: number, names: readonly [string, string]): string => `${enNumber(v)} ${v === 1 ? names[0] : names[1]}`;
  const parts: string[] = [];
  if (whole > 0 || minor === 0) parts.push(unit(whole, n.major));
  if (minor > 0 && n.minor !== undefined) parts.push(unit(minor, n.minor));
  const spoken = parts.join(' and ');
  return { shown: spoken, spoken };
}

function ja(amount: number, currency: string): Said {
  const { whole, minor, decimals } = split(amount, currency);
  const n = JA[currency];
  if (n === undefined || (decimals > 0 && n.major[1] === '') || decimals > 2) {
    const w = jaNumber(whole);
    if (decimals === 0) return { shown: `${w.kanji}${currency}`, spoken: `${w.kana} ${currency}` };
    const frac = [...String(minor).padStart(decimals, '0')].map((c) => jaNumber(Number(c)));
    return { shown: plain(amount, currency, decimals), spoken: `${w.kana}てん${frac.map((f) => f.kana).join('')} ${currency}` };
  }
  const kana = n.kana ?? n.major;
  const w = jaNumber(whole);
  let shown = whole > 0 || minor === 0 ? `${w.kanji}${n.major[0]}` : '';
  let spoken = whole > 0 || minor === 0 ? `${w.kana}${kana[0]}` : '';
  if (minor > 0) {
    const m = jaNumber(minor);
    shown += `${m.kanji}${n.major[1]}`;
    spoken += `${m.kana}${kana[1]}`;
  }
  return { shown, spoken };
}

function zh(amount: number, currency: string): Said {
  const { whole, minor, decimals } = split(amount, currency);
  const n = ZH[currency];
  if (n === undefined || decimals > 2 || (decimals > 0 && currency !== 'CNY' && n.major[1] === '')) {
    const text =
      decimals === 0
        ? `${zhNumber(whole)}${currency}`
        : `${zhNumber(whole)}点${[...String(minor).padStart(decimals, '0')].map((c) => zhNumber(Number(c))).join('')}${currency}`;
    return { shown: plain(amount, currency, decimals), spoken: text };
  }
  let text = whole > 0 || minor === 0 ? `${zhNumber(whole, { measure: true })}${n.major[0]}` : '';
  if (minor > 0 && currency === 'CNY' && decimals === 2) {
    // 元, 角 (tenths), 分 (hundredths): 十二元五角, 十二元零五分, 五分.
    const jiao = Math.floor(minor / 10);
    const fen = minor % 10;
    if (jiao > 0) text += `${zhNumber(jiao, { measure: true })}角`;
    if (fen > 0) text += `${jiao === 0 && whole > 0 ? '零' : ''}${zhNumber(fen, { measure: true })}分`;
  } else if (minor > 0) {
    text += `${zhNumber(minor, { measure: true })}${n.major[1]}`;
  }
  return { shown: text, spoken: text };
}

function ko(amount: number, currency: string): Said {
  const { whole, minor, decimals } = split(amount, currency);
  const n = KO[currency];
  if (n === undefined || decimals > 2 || (decimals > 0 && n.major[1] === '')) {
    const text =
      decimals === 0
        ? `${koSino(whole)} ${currency}`
        : `${koSino(whole)} 점 ${[...String(minor).padStart(decimals, '0')].map((c) => (c === '0' ? '영' : koSino(Number(c)))).join('')} ${currency}`;
    return { shown: plain(amount, currency, decimals), spoken: text };
  }
  const parts: string[] = [];
  if (whole > 0 || minor === 0) parts.push(`${koSino(whole)} ${n.major[0]}`);
  if (minor > 0) parts.push(`${koSino(minor)} ${n.major[1]}`);
  const text = parts.join(' ');
  return { shown: text, spoken: text };
}

/** The amount (whole minor units) in words in the language. MONEY_INVALID for an unknown currency. */
export function sayMoney(lang: VoiceLang, amount: number, currency: string): Said {
  switch (lang) {
    case 'ja':
      return ja(amount, currency);
    case 'en':
      return en(amount, currency);
    case 'zh':
      return zh(amount, currency);
    case 'ko':
      return ko(amount, currency);
  }
}
