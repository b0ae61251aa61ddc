/**
 * Where a line of text puts ink, glyph by glyph, exactly as drawText places it: so a layout can
 * make room for a glyph whose ink reaches past its advance (a bold outline "₩" or "J"), and a
 * test can check every glyph's ink landed on the frame. Also the trace a Column keeps of what it
 * placed and of what it could not place whole (the renderer's layout check reads it).
 */
import type { Glyph } from './fonts/glyph.js';
import { glyphOf, type TextStyle } from './text.js';

export interface PlacedGlyph {
  readonly cp: number;
  readonly glyph: Glyph;
  /** Top-left of the glyph's bitmap on the surface; each bitmap pixel is `scale` x `scale`. */
  readonly x: number;
  readonly y: number;
  readonly scale: number;
}

/** Code points drawn by drawText (control characters are skipped there too). */
function* drawn(text: string): Generator<number> {
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) continue;
    yield cp;
  }
}

/** Every glyph of `text` with its pen at x and baseline at y, positioned as drawText draws it. */
export function layoutGlyphs(style: TextStyle, text: string, x: number, baseline: number): PlacedGlyph[] {
  const k = style.scale;
  let pen = Math.round(x);
  const base = Math.round(baseline);
  const out: PlacedGlyph[] = [];
  for (const cp of drawn(text)) {
    const g = glyphOf(style, cp);
    out.push({ cp, glyph: g, x: pen + g.left * k, y: base - g.top * k, scale: k });
    pen += g.advance * k;
  }
  return out;
}

/**
 * The horizontal extent a line occupies relative to its pen start: from the leftmost ink (or the
 * pen, if nothing reaches left of it) to the rightmost ink (or the advance, if that is further).
 */
export function footprint(style: TextStyle, text: string): { readonly left: number; readonly right: number } {
  let left = 0;
  let right = 0;
  let pen = 0;
  const k = style.scale;
  for (const cp of drawn(text)) {
    const g = glyphOf(style, cp);
    if (g.width > 0) {
      left = Math.min(left, pen + g.left * k);
      right = Math.max(right, pen + (g.left + g.width) * k);
    }
    pen += g.advance * k;
  }
  return { left, right: Math.max(right, pen) };
}

/** The width a line needs so that none of its ink is cut. */
export function footprintWidth(style: TextStyle, text: string): number {
  const f = footprint(style, text);
  return f.right - f.left;
}

export interface Box {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

/** A line a Column drew: its text, style, pen start and baseline, and the box it had to stay in. */
export interface PlacedLine {
  readonly kind: 'amount' | 'text';
  readonly text: string;
  readonly style: TextStyle;
  readonly x: number;
  readonly baseline: number;
  /** The column's box: every glyph's ink is inside it. */
  readonly box: Box;
  /** 1: ink on paper; 0: paper on an ink band (banners). */
  readonly ink: 0 | 1;
  readonly align: 'left' | 'center';
}

/** Something a Column could not place whole, so it left it out (never drew it cut). */
export interface Misfit {
  readonly kind: 'amount' | 'text';
  readonly text: string;
  /** `width`: no allowed size fits the box; `height`: the box is too short even after dropping. */
  readonly why: 'width' | 'height';
}

/** A width an amount was measured against, with the sizes it could take (px of em). */
export interface AmountOffer {
  readonly width: number;
  readonly min: number;
  readonly max: number;
}

export interface LayoutTrace {
  readonly lines: PlacedLine[];
  readonly misfits: Misfit[];
  readonly offers: AmountOffer[];
}

export function newTrace(): LayoutTrace {
  return { lines: [], misfits: [], offers: [] };
}
