/**
 * Text on a 1-bit surface: a style is a stack of glyph sources (first font that has a code point
 * wins) drawn at an integer scale. Glyph lookups are cached per style, so drawing a line is a
 * loop of mask blits. Measuring, ellipsizing and wrapping work on the same glyphs as drawing.
 */
import { missingGlyph, type Glyph, type GlyphSource } from './fonts/glyph.js';
import { cutPoints, lineBreakTokens } from './line-break.js';
import { blitMask, type Surface } from './surface.js';

export interface TextStyle {
  readonly name: string;
  readonly fonts: readonly GlyphSource[];
  /** Integer pixel scale (bitmap fonts drawn 2x, 3x for headings on large panels). */
  readonly scale: number;
  /** When true the line box is the ink's extent (large digits); otherwise the fonts' line metrics. */
  readonly tight: boolean;
  /** Resolved glyph per code point (filled on use). */
  readonly cache: Map<number, Glyph>;
}

export interface TextMetrics {
  readonly width: number;
  /** Pixels above / below the baseline. */
  readonly ascent: number;
  readonly descent: number;
}

export const ELLIPSIS = '…';

export function makeStyle(name: string, fonts: readonly GlyphSource[], scale = 1, tight = false): TextStyle {
  return { name, fonts, scale, tight, cache: new Map() };
}

const SPACE_LIKE = /\s/u;

export function glyphOf(style: TextStyle, cp: number): Glyph {
  const hit = style.cache.get(cp);
  if (hit !== undefined) return hit;
  let g: Glyph | undefined;
  for (const f of style.fonts) {
    g = f.glyph(cp);
    if (g !== undefined) break;
  }
  if (g === undefined) {
    const primary = style.fonts[0];
    if (SPACE_LIKE.test(String.fromCodePoint(cp)) && cp !== 0x20) g = glyphOf(style, 0x20);
    else g = missingGlyph(primary?.ascent ?? 12);
  }
  style.cache.set(cp, g);
  return g;
}

/** Code points of the text that are drawn (control characters dropped). */
function* codePoints(text: string): Generator<number> {
  for (let i = 0; i < text.length; i++) {
    const cp = text.codePointAt(i) ?? 0;
    if (cp > 0xffff) i++;
    if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) continue;
    yield cp;
  }
}

/** Whether every character of `text` has a real glyph in the style (no missing-glyph boxes). */
export function covers(style: TextStyle, text: string): boolean {
  for (const cp of codePoints(text)) {
    if (SPACE_LIKE.test(String.fromCodePoint(cp))) continue;
    if (!style.fonts.some((f) => f.glyph(cp) !== undefined)) return false;
  }
  return true;
}

export function measure(style: TextStyle, text: string): TextMetrics {
  const k = style.scale;
  let width = 0;
  let ascent = style.tight ? 0 : (style.fonts[0]?.ascent ?? 0);
  let descent = style.tight ? 0 : (style.fonts[0]?.descent ?? 0);
  for (const cp of codePoints(text)) {
    const g = glyphOf(style, cp);
    width += g.advance;
    if (g.height > 0) {
      if (g.top > ascent) ascent = g.top;
      if (g.height - g.top > descent) descent = g.height - g.top;
    }
  }
  return { width: width * k, ascent: ascent * k, descent: descent * k };
}

/** Draws `text` with its pen starting at x and its baseline at y; returns the advance width. */
export function drawText(s: Surface, style: TextStyle, text: string, x: number, baseline: number, ink: 0 | 1 = 1): number {
  const k = style.scale;
  let pen = Math.round(x);
  const base = Math.round(baseline);
  for (const cp of codePoints(text)) {
    const g = glyphOf(style, cp);
    if (g.width > 0) blitMask(s, g, pen + g.left * k, base - g.top * k, k, ink);
    pen += g.advance * k;
  }
  return pen - Math.round(x);
}

/** The text, cut at a character and ended with an ellipsis, so that it fits `maxWidth`. */
export function ellipsize(style: TextStyle, text: string, maxWidth: number): string {
  return measure(style, text).width <= maxWidth ? text : cutWithEllipsis(style, text, maxWidth);
}

/** The longest prefix of `text` that fits `maxWidth` together with a trailing ellipsis. */
function cutWithEllipsis(style: TextStyle, text: string, maxWidth: number): string {
  const chars = Array.from(text.trimEnd());
  const dots = measure(style, ELLIPSIS).width;
  let lo = 0;
  let hi = chars.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (measure(style, chars.slice(0, mid).join('')).width + dots <= maxWidth) lo = mid;
    else hi = mid - 1;
  }
  if (lo === 0) return dots <= maxWidth ? ELLIPSIS : '';
  return `${chars.slice(0, lo).join('').trimEnd()}${ELLIPSIS}`;
}

/** The longest head of a CJK token that fits `maxWidth` at a cut kinsoku allows (undefined: none). */
function fittingHead(style: TextStyle, token: string, maxWidth: number): number | undefined {
  const chars = Array.from(token);
  return cutPoints(token).find((n) => measure(style, chars.slice(0, n).join('')).width <= maxWidth);
}

/**
 * Wraps text into at most `maxLines` lines no wider than `maxWidth`, breaking where
 * line-break.ts allows (spaces, Japanese phrase boundaries, between Han characters, never
 * against kinsoku); a CJK phrase wider than a line is cut between characters kinsoku allows, an
 * over-long Latin word is ellipsized; the last line ends in an ellipsis when text was left over.
 */
export function wrapText(style: TextStyle, text: string, maxWidth: number, maxLines: number): string[] {
  const lines: string[] = [];
  const toks = lineBreakTokens(text);
  let line = '';
  let i = 0;
  while (i < toks.length) {
    const t = toks[i] ?? '';
    if (measure(style, (line + t).trimEnd()).width <= maxWidth) {
      line += t;
      i++;
      continue;
    }
    if (line.trim() !== '') {
      lines.push(line.trimEnd());
      line = '';
    } else {
      const head = fittingHead(style, t.trimEnd(), maxWidth);
      if (head !== undefined) {
        const chars = Array.from(t);
        lines.push(chars.slice(0, head).join(''));
        toks[i] = chars.slice(head).join('');
      } else {
        lines.push(cutWithEllipsis(style, t, maxWidth));
        i++;
      }
    }
    if (lines.length === maxLines) {
      if (toks.slice(i).join('').trim() !== '') {
        const last = lines[maxLines - 1] ?? '';
        if (!last.endsWith(ELLIPSIS)) lines[maxLines - 1] = cutWithEllipsis(style, last, maxWidth);
      }
      return lines;
    }
  }
  if (line.trim() !== '') lines.push(line.trimEnd());
  return lines;
}

/**
 * Packs whole `parts` (e.g. wallet names) into at most `maxLines` lines joined by `sep`, never
 * breaking inside a part; a part too wide for a line is ellipsized; parts left over end the last
 * line with an ellipsis.
 */
export function packParts(style: TextStyle, parts: readonly string[], sep: string, maxWidth: number, maxLines: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] ?? '';
    const candidate = line === '' ? part : `${line}${sep}${part}`;
    if (measure(style, candidate).width <= maxWidth) {
      line = candidate;
      continue;
    }
    if (line !== '') lines.push(line);
    if (lines.length === maxLines) {
      const last = lines[maxLines - 1] ?? '';
      lines[maxLines - 1] = cutWithEllipsis(style, last, maxWidth);
      return lines;
    }
    line = ellipsize(style, part, maxWidth);
  }
  if (line !== '') lines.push(line);
  return lines;
}
