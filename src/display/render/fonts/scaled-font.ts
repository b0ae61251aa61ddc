/**
 * A bitmap font drawn at a smaller pixel size: each glyph is resampled by area coverage (a
 * target pixel is ink when enough of the source pixels under it are), so its strokes survive the
 * reduction. Used for Chinese Han, which only GNU Unifont has (16 px): resampled to the size of
 * the role's kanji, a Chinese line stands as tall as the Japanese, Korean and Latin ones beside it.
 * Glyphs are resampled once and cached.
 */
import { GlyphCache, type Glyph, type GlyphSource } from './glyph.js';

/** Share of a target pixel's area that must be ink in the source (low: thin strokes are kept). */
const COVERAGE = 0.34;

export function resampleGlyph(g: Glyph, k: number): Glyph {
  const width = Math.max(1, Math.round(g.width * k));
  const height = Math.max(1, Math.round(g.height * k));
  const bits = new Uint8Array(width * height);
  const sx = g.width / width;
  const sy = g.height / height;
  for (let y = 0; y < height; y++) {
    const y0 = y * sy;
    const y1 = y0 + sy;
    for (let x = 0; x < width; x++) {
      const x0 = x * sx;
      const x1 = x0 + sx;
      let covered = 0;
      for (let v = Math.floor(y0); v < Math.ceil(y1); v++) {
        const hy = Math.min(y1, v + 1) - Math.max(y0, v);
        for (let u = Math.floor(x0); u < Math.ceil(x1); u++) {
          if (g.bits[v * g.width + u] !== 1) continue;
          covered += hy * (Math.min(x1, u + 1) - Math.max(x0, u));
        }
      }
      if (covered >= COVERAGE * sx * sy) bits[y * width + x] = 1;
    }
  }
  return { width, height, bits, left: Math.round(g.left * k), top: Math.round(g.top * k), advance: Math.max(1, Math.round(g.advance * k)) };
}

/** `font` (a `from`-pixel font) resampled to `to` pixels, for the code points `only` accepts. */
export function scaledFont(font: GlyphSource, from: number, to: number, only: (cp: number) => boolean, name = `${font.name} ${to}px`): GlyphSource {
  const k = to / from;
  const cache = new GlyphCache();
  return {
    name,
    ascent: Math.round(font.ascent * k),
    descent: Math.round(font.descent * k),
    glyph: (cp) =>
      only(cp)
        ? cache.get(cp, (c) => {
            const g = font.glyph(c);
            return g === undefined ? undefined : resampleGlyph(g, k);
          })
        : undefined,
  };
}
