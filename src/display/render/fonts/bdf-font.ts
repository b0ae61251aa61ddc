/**
 * A BDF bitmap font (the Galmuri family ships them), read lazily: the file is indexed by
 * ENCODING on first use and each glyph is parsed once and cached.
 */
import { readFileSync } from 'node:fs';
import { unpackHexRows, type Glyph, type GlyphSource } from './glyph.js';

export class BdfFont implements GlyphSource {
  readonly name: string;
  readonly ascent: number;
  readonly descent: number;
  private readonly text: string;
  private index: Map<number, number> | undefined;
  private readonly cache = new Map<number, Glyph | null>();
  constructor(path: string, name: string) {
    this.name = name;
    this.text = readFileSync(path, 'latin1');
    this.ascent = headerInt(this.text, 'FONT_ASCENT') ?? 12;
    this.descent = headerInt(this.text, 'FONT_DESCENT') ?? 2;
  }

  glyph(cp: number): Glyph | undefined {
    const hit = this.cache.get(cp);
    if (hit !== undefined) return hit ?? undefined;
    const g = this.parse(cp);
    this.cache.set(cp, g ?? null);
    return g;
  }

  private parse(cp: number): Glyph | undefined {
    this.index ??= buildIndex(this.text);
    const at = this.index.get(cp);
    if (at === undefined) return undefined;
    const end = this.text.indexOf('ENDCHAR', at);
    const block = this.text.slice(at, end < 0 ? undefined : end).split('\n');
    let advance = 0;
    let bbx: number[] = [0, 0, 0, 0];
    let bitmapAt = -1;
    for (let i = 0; i < block.length; i++) {
      const line = (block[i] ?? '').trim();
      if (line.startsWith('DWIDTH ')) advance = Number(line.split(/\s+/)[1]);
      else if (line.startsWith('BBX ')) bbx = line.split(/\s+/).slice(1).map(Number);
      else if (line === 'BITMAP') {
        bitmapAt = i + 1;
        break;
      }
    }
    const [w = 0, h = 0, xoff = 0, yoff = 0] = bbx;
    const rows = bitmapAt < 0 ? [] : block.slice(bitmapAt, bitmapAt + h).map((r) => r.trim());
    const bytesPerRow = Math.ceil(w / 8);
    const hex = rows.map((r) => r.padEnd(bytesPerRow * 2, '0').slice(0, bytesPerRow * 2)).join('');
    return { width: w, height: h, left: xoff, top: yoff + h, advance, bits: unpackHexRows(hex, w, h, bytesPerRow) };
  }
}

function headerInt(text: string, key: string): number | undefined {
  const at = text.indexOf(`\n${key} `);
  if (at < 0) return undefined;
  const n = parseInt(text.slice(at + key.length + 2, at + key.length + 12), 10);
  return Number.isFinite(n) ? n : undefined;
}

function buildIndex(text: string): Map<number, number> {
  const index = new Map<number, number>();
  const key = '\nENCODING ';
  for (let at = text.indexOf(key); at >= 0; at = text.indexOf(key, at + key.length)) {
    const cp = parseInt(text.slice(at + key.length, at + key.length + 10), 10);
    if (cp >= 0) index.set(cp, at + 1);
  }
  return index;
}
