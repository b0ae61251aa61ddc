/**
 * What the till says, per language: the payment ("千二百八十円、LINE Payで受け取りました"), the
 * other results in a short phrase, and the day's takings. Each phrase has the text shown in logs
 * and the text the engine speaks (Japanese in kana, wallet names in the script a voice reads).
 * `priority` decides the queue: a sale's announcement is never dropped or cut off. Pure.
 */
import { sayMoney, type Said, type VoiceLang } from './money-words.js';
import { koCount } from './words-ko.js';
import { enNumber } from './words-en.js';
import { jaNumber } from './words-ja.js';
import { zhNumber } from './words-zh.js';

export type PhraseKind = 'paid' | 'failed' | 'expired' | 'cancelled' | 'offline' | 'replay' | 'takings';

export interface Phrase extends Said {
  readonly lang: VoiceLang;
  readonly kind: PhraseKind;
  /** 'sale': a new payment, never dropped or interrupted; 'info': may be cut short or dropped for one. */
  readonly priority: 'sale' | 'info';
}

export interface TakingsLine {
  readonly currency: string;
  readonly count: number;
  readonly amount: number;
}

/** Wallet names as each language's voice should read them (espeak-ng's ja voice reads kana only). */
const WALLET_SPOKEN: Readonly<Record<VoiceLang, Readonly<Record<string, string>>>> = {
  ja: {
    'line pay': 'ラインペイ',
    paypay: 'ペイペイ',
    'rakuten pay': 'らくてんペイ',
    楽天ペイ: 'らくてんペイ',
    d払い: 'ディーばらい',
    'au pay': 'エーユーペイ',
    メルペイ: 'メルペイ',
    merpay: 'メルペイ',
    'kakao pay': 'カカオペイ',
    kakaopay: 'カカオペイ',
    alipay: 'アリペイ',
    'wechat pay': 'ウィーチャットペイ',
    visa: 'ビザ',
    mastercard: 'マスターカード',
    jcb: 'ジェーシービー',
  },
  ko: {
    kakaopay: '카카오페이',
    'kakao pay': '카카오페이',
    'naver pay': '네이버페이',
    toss: '토스',
    'line pay': '라인페이',
    'samsung pay': '삼성페이',
    alipay: '알리페이',
    'wechat pay': '위챗페이',
  },
  zh: { alipay: '支付宝', 'wechat pay': '微信支付', unionpay: '银联', 'line pay': 'LINE Pay' },
  en: {},
};

export function spokenWallet(lang: VoiceLang, wallet: string): string {
  return WALLET_SPOKEN[lang][wallet.trim().toLowerCase()] ?? wallet;
}

function phrase(lang: VoiceLang, kind: PhraseKind, shown: string, spoken = shown): Phrase {
  return { lang, kind, shown, spoken, priority: kind === 'paid' ? 'sale' : 'info' };
}

/** The payment as announced when it arrives (`kind` 'replay': the same words, on the button). */
export function paidPhrase(lang: VoiceLang, amount: number, currency: string, wallet?: string, kind: 'paid' | 'replay' = 'paid'): Phrase {
  const m = sayMoney(lang, amount, currency);
  const w = wallet !== undefined && wallet.trim() !== '' ? wallet.trim() : undefined;
  const sw = w !== undefined ? spokenWallet(lang, w) : undefined;
  switch (lang) {
    case 'ja':
      return phrase(
        lang,
        kind,
        w ? `${m.shown}、${w}で受け取りました` : `${m.shown}、受け取りました`,
        sw ? `${m.spoken}、${sw}でうけとりました` : `${m.spoken}、うけとりました`,
      );
    case 'en':
      return phrase(lang, kind, w ? `${m.shown} received with ${w}` : `${m.shown} received`, sw ? `${m.spoken} received with ${sw}` : `${m.spoken} received`);
    case 'zh':
      return phrase(lang, kind, w ? `${w}收款${m.shown}` : `收款${m.shown}`, sw ? `${sw}收款${m.spoken}` : `收款${m.spoken}`);
    case 'ko':
      return phrase(lang, kind, w ? `${m.shown}, ${w} 결제 완료` : `${m.shown} 결제 완료`, sw ? `${m.spoken}, ${sw} 결제 완료` : `${m.spoken} 결제 완료`);
  }
}

const SHORT: Readonly<Record<'failed' | 'expired' | 'cancelled' | 'offline', Readonly<Record<VoiceLang, readonly [string, string]>>>> = {
  failed: {
    ja: ['決済できませんでした', 'けっさいできませんでした'],
    en: ['Payment failed', 'Payment failed'],
    zh: ['支付失败', '支付失败'],
    ko: ['결제 실패', '결제 실패'],
  },
  expired: {
    ja: ['時間切れです', 'じかんぎれです'],
    en: ['Payment timed out', 'Payment timed out'],
    zh: ['支付超时', '支付超时'],
    ko: ['결제 시간 초과', '결제 시간 초과'],
  },
  cancelled: { ja: ['取り消しました', 'とりけしました'], en: ['Cancelled', 'Cancelled'], zh: ['已取消', '已取消'], ko: ['취소되었습니다', '취소되었습니다'] },
  offline: {
    ja: ['通信が切れました', 'つうしんがきれました'],
    en: ['Offline', 'Offline'],
    zh: ['网络已断开', '网络已断开'],
    ko: ['연결이 끊겼습니다', '연결이 끊겼습니다'],
  },
};

/** The short phrase for a sale that did not end in a payment, or the link going down. */
export function shortPhrase(lang: VoiceLang, kind: 'failed' | 'expired' | 'cancelled' | 'offline'): Phrase {
  const [shown, spoken] = SHORT[kind][lang];
  return phrase(lang, kind, shown, spoken);
}

/** Japanese N件 in kana: いっけん, さんけん, ろっけん, はっけん, じゅっけん, ひゃっけん. */
export function jaKen(n: number): Said {
  const r = jaNumber(n);
  const kana = r.kana
    .replace(/いち$/, 'いっ')
    .replace(/ろく$/, 'ろっ')
    .replace(/はち$/, 'はっ')
    .replace(/じゅう$/, 'じゅっ')
    .replace(/ひゃく$/, 'ひゃっ');
  return { shown: `${r.kanji}件`, spoken: `${kana}けん` };
}

/** The day's takings: the count of payments and the sum per currency. */
export function takingsPhrase(lang: VoiceLang, lines: readonly TakingsLine[]): Phrase {
  const sales = lines.filter((l) => l.count > 0);
  if (sales.length === 0) {
    const none: Record<VoiceLang, readonly [string, string]> = {
      ja: ['本日の売上はまだありません', 'ほんじつのうりあげはまだありません'],
      en: ['No sales today yet', 'No sales today yet'],
      zh: ['今天还没有收款', '今天还没有收款'],
      ko: ['오늘 매출이 아직 없습니다', '오늘 매출이 아직 없습니다'],
    };
    const [shown, spoken] = none[lang];
    return phrase(lang, 'takings', shown, spoken);
  }
  const per = sales.map((l) => ({ l, m: sayMoney(lang, l.amount, l.currency) }));
  switch (lang) {
    case 'ja': {
      const items = per.map(({ l, m }) => ({ shown: `${jaKen(l.count).shown}、${m.shown}`, spoken: `${jaKen(l.count).spoken}、${m.spoken}` }));
      return phrase(lang, 'takings', `本日の売上、${items.map((i) => i.shown).join('、')}`, `ほんじつのうりあげ、${items.map((i) => i.spoken).join('、')}`);
    }
    case 'en': {
      const text = per.map(({ l, m }) => `${enNumber(l.count)} ${l.count === 1 ? 'sale' : 'sales'}, ${m.spoken}`).join('; ');
      return phrase(lang, 'takings', `Today: ${text}`);
    }
    case 'zh': {
      const text = per.map(({ l, m }) => `${zhNumber(l.count, { measure: true })}笔，共${m.spoken}`).join('；');
      return phrase(lang, 'takings', `今天收款${text}`);
    }
    case 'ko': {
      const text = per.map(({ l, m }) => `${koCount(l.count)} 건, ${m.spoken}`).join(', ');
      return phrase(lang, 'takings', `오늘 매출 ${text}`);
    }
  }
}
