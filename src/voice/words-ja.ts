/**
 * Japanese numbers read aloud, as kanji (for the screen and logs) and as kana (what the speech
 * engine is given: espeak-ng reads kana, not kanji). Whole numbers from 0 to 9,999兆 (more than any
 * EMV amount). The sound changes are the hard part: 三百 さんびゃく, 六百 ろっぴゃく, 八百 はっぴゃく,
 * 三千 さんぜん, 八千 はっせん, 一兆 いっちょう, 八兆 はっちょう, 十兆 じゅっちょう; 十, 百 and 千 take
 * no 一 (せん, not いっせん) except 一千万 and above (いっせんまん), where 一万, 一億 and 一兆 always do.
 * Pure.
 */
import { TillqrError } from '../core/errors.js';

export interface JaReading {
  readonly kanji: string;
  readonly kana: string;
}

const DIGIT_KANJI = ['〇', '一', '二', '三', '四', '五', '六', '七', '八', '九'] as const;
const DIGIT_KANA = ['ぜろ', 'いち', 'に', 'さん', 'よん', 'ご', 'ろく', 'なな', 'はち', 'きゅう'] as const;

/** Kana for d×百: the rendaku and gemination cases. */
const HUNDREDS_KANA = ['', 'ひゃく', 'にひゃく', 'さんびゃく', 'よんひゃく', 'ごひゃく', 'ろっぴゃく', 'ななひゃく', 'はっぴゃく', 'きゅうひゃく'] as const;
const THOUSANDS_KANA = ['', 'せん', 'にせん', 'さんぜん', 'よんせん', 'ごせん', 'ろくせん', 'ななせん', 'はっせん', 'きゅうせん'] as const;

const LARGE = [
  { kanji: '', kana: '' },
  { kanji: '万', kana: 'まん' },
  { kanji: '億', kana: 'おく' },
  { kanji: '兆', kana: 'ちょう' },
] as const;

function digit(i: number): { kanji: string; kana: string } {
  return { kanji: DIGIT_KANJI[i] ?? '', kana: DIGIT_KANA[i] ?? '' };
}

/** 1..9999 in one group. `withOne`: write 一千 (a group under a large unit: 一千万). */
function group(n: number, withOne: boolean): { kanji: string; kana: string; lastKana: 'tens' | 'one' | 'eight' | 'other' } {
  const th = Math.floor(n / 1000);
  const hu = Math.floor(n / 100) % 10;
  const te = Math.floor(n / 10) % 10;
  const on = n % 10;
  let kanji = '';
  let kana = '';
  if (th > 0) {
    kanji += (th === 1 && !withOne ? '' : digit(th).kanji) + '千';
    kana += th === 1 && withOne ? 'いっせん' : (THOUSANDS_KANA[th] ?? '');
  }
  if (hu > 0) {
    kanji += (hu === 1 ? '' : digit(hu).kanji) + '百';
    kana += HUNDREDS_KANA[hu] ?? '';
  }
  if (te > 0) {
    kanji += (te === 1 ? '' : digit(te).kanji) + '十';
    kana += (te === 1 ? '' : digit(te).kana) + 'じゅう';
  }
  if (on > 0) {
    kanji += digit(on).kanji;
    kana += digit(on).kana;
  }
  const lastKana = on === 0 && te > 0 ? 'tens' : on === 0 ? 'other' : on === 1 ? 'one' : on === 8 ? 'eight' : 'other';
  return { kanji, kana, lastKana };
}

/** Kana of a group before 兆 (ちょう): 一兆 いっちょう, 八兆 はっちょう, 十兆 じゅっちょう. */
function beforeCho(g: ReturnType<typeof group>): string {
  switch (g.lastKana) {
    case 'one':
      return g.kana.replace(/いち$/, 'いっ');
    case 'eight':
      return g.kana.replace(/はち$/, 'はっ');
    case 'tens':
      return g.kana.replace(/じゅう$/, 'じゅっ');
    case 'other':
      return g.kana;
  }
}

export const JA_MAX = 10 ** 16 - 1;

/** A whole number read in Japanese: 1280 -> 千二百八十 / せんにひゃくはちじゅう; 0 -> 〇 / ゼロ. */
export function jaNumber(n: number): JaReading {
  if (!Number.isSafeInteger(n) || n < 0 || n > JA_MAX)
    throw new TillqrError('MONEY_INVALID', `${String(n)} cannot be read as a Japanese number (0 to ${JA_MAX})`, { n });
  if (n === 0) return { kanji: '〇', kana: 'ゼロ' };
  let kanji = '';
  let kana = '';
  let rest = n;
  const groups: number[] = [];
  while (rest > 0) {
    groups.push(rest % 10_000);
    rest = Math.floor(rest / 10_000);
  }
  for (let i = groups.length - 1; i >= 0; i--) {
    const v = groups[i] ?? 0;
    if (v === 0) continue;
    const unit = LARGE[i] ?? LARGE[0];
    const g = group(v, i > 0);
    kanji += (i > 0 && v === 1 ? '一' : g.kanji) + unit.kanji;
    if (i === 0) kana += g.kana;
    else if (v === 1) kana += (i === 3 ? 'いっ' : 'いち') + unit.kana;
    else kana += (i === 3 ? beforeCho(g) : g.kana) + unit.kana;
  }
  return { kanji, kana };
}
