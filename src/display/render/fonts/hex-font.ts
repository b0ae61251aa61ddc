/**
 * GNU Unifont in its .hex form (`CODEPOINT:HEXROWS`, 8x16 or 16x16 glyphs, baseline two rows
 * above the bottom), as the Debian `unifont` package installs it. It covers every visible
 * character of the Basic Multilingual Plane, so it is the last font of every stack. Only an
 * index (256 KiB) stays in memory; glyphs are read from the file when first drawn.
 */
import { forEachLine, parseNumberAt, readSlice } from './file-slice.js';
import { GlyphCache, unpackHexRows, type Glyph, type GlyphSource } from './glyph.js';

export class HexFont implements GlyphSource {
  readonly name: string;
  readonly ascent = 14;
  readonly descent = 2;
  /** Byte offset of each BMP code point's hex rows (0 = absent). */
  private offsets: Uint32Array | undefined;
  private readonly cache = new GlyphCache();

  constructor(
    private readonly path: string,
    name: string,
  ) {
    this.name = name;
  }

  glyph(cp: number): Glyph | undefined {
    return this.cache.get(cp, (c) => this.parse(c));
  }

  private parse(cp: number): Glyph | undefined {
    if (cp > 0xffff) return undefined;
    this.offsets ??= indexHex(this.path);
    const at = this.offsets[cp] ?? 0;
    if (at === 0) return undefined;
    const hex = readSlice(this.path, at, 64).toString('latin1').split('\n', 1)[0]?.trim() ?? '';
    const width = hex.length === 64 ? 16 : 8;
    return { width, height: 16, left: 0, top: 14, advance: width, bits: unpackHexRows(hex, width, 16, width / 8) };
  }
}

function indexHex(path: string): Uint32Array {
  const offsets = new Uint32Array(0x10000);
  forEachLine(path, (chunk, start, end, offset) => {
    const colon = chunk.indexOf(58, start);
    if (colon <= start || colon >= end || colon - start > 6) return;
    const cp = parseNumberAt(chunk, start, colon, 16);
    if (cp >= 0 && cp <= 0xffff) offsets[cp] = offset + (colon - start) + 1;
  });
  return offsets;
}
