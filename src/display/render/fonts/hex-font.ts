/**
 * GNU Unifont in its .hex form (`CODEPOINT:HEXROWS`, 8x16 or 16x16 glyphs, baseline two rows
 * above the bottom), as the Debian `unifont` package installs it. It covers every visible
 * character of the Basic Multilingual Plane, so it is the last font of every stack.
 */
import { readFileSync } from 'node:fs';
import { unpackHexRows, type Glyph, type GlyphSource } from './glyph.js';

export class HexFont implements GlyphSource {
  readonly name: string;
  readonly ascent = 14;
  readonly descent = 2;
  private readonly data: Buffer;
  /** Byte offset of each BMP code point's hex rows (0 = absent). */
  private offsets: Uint32Array | undefined;
  private readonly cache = new Map<number, Glyph | null>();

  constructor(path: string, name: string) {
    this.name = name;
    this.data = readFileSync(path);
  }

  glyph(cp: number): Glyph | undefined {
    const hit = this.cache.get(cp);
    if (hit !== undefined) return hit ?? undefined;
    const g = this.parse(cp);
    this.cache.set(cp, g ?? null);
    return g;
  }

  private parse(cp: number): Glyph | undefined {
    if (cp > 0xffff) return undefined;
    this.offsets ??= indexHex(this.data);
    const at = this.offsets[cp] ?? 0;
    if (at === 0) return undefined;
    let end = this.data.indexOf(10, at);
    if (end < 0) end = this.data.length;
    const hex = this.data.toString('latin1', at, end).trim();
    const width = hex.length === 64 ? 16 : 8;
    return { width, height: 16, left: 0, top: 14, advance: width, bits: unpackHexRows(hex, width, 16, width / 8) };
  }
}

function indexHex(data: Buffer): Uint32Array {
  const offsets = new Uint32Array(0x10000);
  let lineStart = 0;
  while (lineStart < data.length) {
    let nl = data.indexOf(10, lineStart);
    if (nl < 0) nl = data.length;
    const colon = data.indexOf(58, lineStart);
    if (colon > lineStart && colon < nl) {
      const cp = parseInt(data.toString('latin1', lineStart, colon), 16);
      if (cp >= 0 && cp <= 0xffff) offsets[cp] = colon + 1;
    }
    lineStart = nl + 1;
  }
  return offsets;
}
