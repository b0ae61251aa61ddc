/**
 * Where a line of text may break, for Japanese, Chinese, Korean and Latin text: the text is cut
 * into tokens that wrapping never splits (unless one alone is wider than the line).
 *
 * Kinsoku (JIS X 4051 in its common form): no line starts with closing punctuation, the
 * prolonged sound mark or a small kana (。、）」ー っ ゃ …), no line ends with opening punctuation
 * (「（ …). Japanese breaks at phrase boundaries, not between any two characters: a phrase is a
 * run of kanji and katakana with the hiragana after it (okurigana and particles), so 読み取って
 * stays whole; a new phrase starts where a particle (or two or more hiragana) meets kanji,
 * katakana or Latin, after sentence punctuation, or between kanji and katakana. Text with
 * Han but no kana is Chinese: it may break between any two Han characters (kinsoku still
 * holds). Korean breaks at spaces, as Latin does. BudouX would learn phrases instead of these
 * rules, but its npm package pulls in an HTML DOM (linkedom) and two CLI packages: too much for
 * a Pi Zero for the handful of strings a till shows.
 */

/** Never at the start of a line. */
export const NO_START = new Set(
  Array.from(
    '。、，．,.:;!?)]}）」』】〕〉》〙〗’”〟・：；！？ー～…‥%％ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ々〻ゝゞヽヾ',
  ),
);
/** Never at the end of a line. */
export const NO_END = new Set(Array.from('([{（「『【〔〈《〘〖‘“〝'));

/** Particles after which a Japanese phrase may end even when only one hiragana long. */
const PARTICLES = new Set(Array.from('をにはがでとへもの'));
/** Honorific prefixes that start a phrase after a particle (…に|お声がけ…), never end one. */
const PREFIXES = new Set(Array.from('おご'));
/** Auxiliary phrases that start a new phrase after hiragana (読み取って|ください). */
const AUXILIARIES = ['ください', 'ございます', 'ございました'];

type Cls = 'hira' | 'kata' | 'han' | 'open' | 'close' | 'space' | 'word';

function cls(ch: string): Cls {
  const cp = ch.codePointAt(0) ?? 0;
  if (/\s/u.test(ch)) return 'space';
  if (NO_END.has(ch)) return 'open';
  if (/\p{Script=Hangul}/u.test(ch)) return 'word'; // Korean breaks at spaces
  // Latin letters, digits and ASCII punctuation make words ("3.3V", "1,234", "GPIO14/15)").
  if (cp < 0x2e80) return 'word';
  if (cp >= 0x3041 && cp <= 0x309f) return 'hira';
  if ((cp >= 0x30a0 && cp <= 0x30ff) || (cp >= 0x31f0 && cp <= 0x31ff) || (cp >= 0xff66 && cp <= 0xff9f)) return 'kata';
  if ((cp >= 0x3400 && cp <= 0x9fff) || (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0x20000 && cp <= 0x3134f) || ch === '々' || ch === '〆') return 'han';
  if (NO_START.has(ch) || (cp >= 0x3000 && cp <= 0x303f) || (cp >= 0xff01 && cp <= 0xff0f) || (cp >= 0xff1a && cp <= 0xff20)) return 'close';
  return 'word';
}

const isCjk = (c: Cls): boolean => c === 'hira' || c === 'kata' || c === 'han';

/** Whether a line may break between chars[i - 1] and chars[i]. */
function breakBefore(chars: readonly string[], classes: readonly Cls[], i: number, japanese: boolean): boolean {
  const a = chars[i - 1] ?? '';
  const b = chars[i] ?? '';
  const ca = classes[i - 1] ?? 'word';
  const cb = classes[i] ?? 'word';
  if (cb === 'space') return false;
  if (ca === 'space') return true;
  if (NO_START.has(b) || NO_END.has(a)) return false;
  if (cb === 'open') return ca !== 'word';
  if (ca === 'close') return !(cb === 'hira' && !'。、．，！？'.includes(a));
  if (ca === 'word' && cb === 'word') return false;
  if (!japanese) return isCjk(ca) || isCjk(cb);
  // Japanese phrases.
  if (ca === 'word') return false; // Latin then kana/kanji: one phrase ("QR決済は", "3.3Vの")
  if (cb === 'word') return true; // a phrase ends before Latin ("現在|QR")
  if (cb === 'hira') return ca === 'hira' && ((PARTICLES.has(a) && PREFIXES.has(b)) || AUXILIARIES.some((w) => startsAt(chars, i, w)));
  if (ca === 'hira') return !PREFIXES.has(a) && (PARTICLES.has(a) || hiraganaRun(classes, i - 1) >= 2);
  return ca !== cb; // kanji|katakana or katakana|kanji; never inside a run of one
}

function startsAt(chars: readonly string[], i: number, word: string): boolean {
  return chars.slice(i, i + word.length).join('') === word;
}

/** How many hiragana end at index `end` (inclusive). */
function hiraganaRun(classes: readonly Cls[], end: number): number {
  let n = 0;
  for (let j = end; j >= 0 && classes[j] === 'hira'; j--) n++;
  return n;
}

/**
 * The text cut at every allowed break, each token keeping the spaces after it. Joined, the
 * tokens are the text again.
 */
export function lineBreakTokens(text: string): string[] {
  const chars = Array.from(text);
  const classes = chars.map(cls);
  const japanese = classes.some((c) => c === 'hira' || c === 'kata');
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < chars.length; i++) {
    if (i > 0 && cur !== '' && breakBefore(chars, classes, i, japanese)) {
      out.push(cur);
      cur = '';
    }
    cur += chars[i] ?? '';
  }
  if (cur !== '') out.push(cur);
  return out;
}

/**
 * Where a token too wide for a line may be cut, as character counts from its start, longest
 * first: between any two characters of CJK text that kinsoku allows; none for a Latin word
 * (the caller ellipsizes it).
 */
export function cutPoints(token: string): number[] {
  const chars = Array.from(token);
  const out: number[] = [];
  if (!chars.some((c) => isCjk(cls(c)))) return out;
  for (let i = chars.length - 1; i > 0; i--) {
    const a = chars[i - 1] ?? '';
    const b = chars[i] ?? '';
    if (NO_START.has(b) || NO_END.has(a)) continue;
    if (cls(a) === 'word' && cls(b) === 'word') continue;
    out.push(i);
  }
  return out;
}

/** Whether a line (as laid out) respects kinsoku at both ends. */
export function kinsokuOk(line: string): boolean {
  const chars = Array.from(line.trim());
  const first = chars[0];
  const last = chars[chars.length - 1];
  return (first === undefined || !NO_START.has(first)) && (last === undefined || !NO_END.has(last));
}
