/**
 * Words of a typed console line: separated by spaces, grouped by "double" or 'single' quotes
 * (inside double quotes, \" and \\ escape). Each word keeps where it ended, so a command can take
 * the raw rest of the line (`set merchant.name Cafe Luna`, `provision <bundle>`).
 */
import { TillqrError } from '../core/errors.js';

export interface Word {
  readonly text: string;
  /** Index just past the word in the line. */
  readonly end: number;
}

export interface Tokens {
  readonly words: readonly Word[];
  /** The line was cut inside quotes (only possible with `partial`). */
  readonly openQuote: boolean;
  /** The line ends in whitespace after its last word. */
  readonly trailingSpace: boolean;
}

const SPACE = /\s/;

export function tokenize(line: string, opts: { partial?: boolean } = {}): Tokens {
  const words: Word[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    while (i < n && SPACE.test(line[i] ?? '')) i++;
    if (i >= n) return { words, openQuote: false, trailingSpace: n > 0 && SPACE.test(line[n - 1] ?? '') };
    let text = '';
    while (i < n && !SPACE.test(line[i] ?? '')) {
      const c = line[i] ?? '';
      if (c === '"' || c === "'") {
        const close = c;
        i++;
        let closed = false;
        while (i < n) {
          const d = line[i] ?? '';
          if (d === close) {
            closed = true;
            i++;
            break;
          }
          if (close === '"' && d === '\\' && i + 1 < n) {
            text += line[i + 1] ?? '';
            i += 2;
            continue;
          }
          text += d;
          i++;
        }
        if (!closed) {
          if (opts.partial === true) {
            words.push({ text, end: i });
            return { words, openQuote: true, trailingSpace: false };
          }
          throw new TillqrError('CONSOLE_BAD_COMMAND', `unterminated ${close === '"' ? 'double' : 'single'} quote`);
        }
        continue;
      }
      text += c;
      i++;
    }
    words.push({ text, end: i });
  }
}

/** The raw line after the first `count` words, without the spaces before it. */
export function restAfter(line: string, tokens: Tokens, count: number): string {
  if (count === 0) return line.trimStart();
  const w = tokens.words[count - 1];
  return w === undefined ? '' : line.slice(w.end).trimStart();
}

/** How many words of a partly typed line are complete (followed by a space). */
export function completeWords(partial: string): number {
  const t = tokenize(partial, { partial: true });
  if (t.openQuote) return t.words.length - 1;
  return t.trailingSpace ? t.words.length : Math.max(0, t.words.length - 1);
}

/** A value given as one quoted word loses its quotes; anything else is kept as typed. */
export function unquoteValue(raw: string): string {
  const t = raw.trim();
  if (t.length >= 2 && (t[0] === '"' || t[0] === "'")) {
    try {
      const tokens = tokenize(t);
      const only = tokens.words[0];
      if (tokens.words.length === 1 && only !== undefined) return only.text;
    } catch {
      return t;
    }
  }
  return t;
}
