/**
 * A rasterised glyph and the sources that produce them. Coordinates: `left` is the offset from
 * the pen position to the bitmap's left edge, `top` the distance from the baseline up to the
 * bitmap's top row; `advance` moves the pen.
 */
import type { Mask } from '../surface.js';

export interface Glyph extends Mask {
  readonly left: number;
  readonly top: number;
  readonly advance: number;
}

export interface GlyphSource {
  /** A short name for reports and the font decision record. */
  readonly name: string;
  /** Pixels above and below the baseline that a line of this font needs. */
  readonly ascent: number;
  readonly descent: number;
  /** The glyph for a code point, or undefined when the font does not have it. */
  glyph(cp: number): Glyph | undefined;
  /** The advance without rasterising, when the font can tell it cheaply (outline fonts). */
  advanceOf?(cp: number): number | undefined;
}

/** A hollow box, drawn for a code point no font has (so a missing glyph is visible, not silent). */
export function missingGlyph(ascent: number): Glyph {
  const h = Math.max(6, ascent - 2);
  const w = Math.max(4, Math.round(h * 0.6));
  const bits = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) if (y === 0 || y === h - 1 || x === 0 || x === w - 1) bits[y * w + x] = 1;
  }
  return { width: w, height: h, left: 1, top: h, advance: w + 2, bits };
}

/** Unpacks rows of MSB-first hex bytes (BDF and Unifont .hex) into a mask. */
export function unpackHexRows(hex: string, width: number, height: number, bytesPerRow: number): Uint8Array {
  const bits = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let b = 0; b < bytesPerRow; b++) {
      const o = (y * bytesPerRow + b) * 2;
      const v = parseInt(hex.slice(o, o + 2), 16);
      if (!(v > 0)) continue;
      for (let bit = 0; bit < 8; bit++) {
        const x = b * 8 + bit;
        if (x < width && ((v >> (7 - bit)) & 1) === 1) bits[y * width + x] = 1;
      }
    }
  }
  return bits;
}

/** A view of `font` that declines the code points `skip` accepts, leaving them to the next font. */
export function without(font: GlyphSource, skip: (cp: number) => boolean, name = `${font.name} (filtered)`): GlyphSource {
  return { name, ascent: font.ascent, descent: font.descent, glyph: (cp) => (skip(cp) ? undefined : font.glyph(cp)) };
}

/** CJK unified ideographs (all extensions) and compatibility ideographs. */
export function isHan(cp: number): boolean {
  return (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0x20000 && cp <= 0x3134f);
}

/** Glyphs parsed on first use and kept (a miss is remembered too, so fallbacks stay fast). */
export class GlyphCache {
  readonly #map = new Map<number, Glyph | null>();

  get(cp: number, parse: (cp: number) => Glyph | undefined): Glyph | undefined {
    const hit = this.#map.get(cp);
    if (hit !== undefined) return hit ?? undefined;
    const g = parse(cp);
    this.#map.set(cp, g ?? null);
    return g;
  }
}
