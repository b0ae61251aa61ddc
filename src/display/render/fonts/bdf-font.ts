/**
 * A BDF bitmap font (the Galmuri family ships them). On first use the file is scanned once into
 * a compact index (code point -> byte range, about 10 bytes a glyph); each glyph is read from
 * disk and parsed the first time it is drawn and cached after that.
 */
import { forEachLine, parseNumberAt, readSlice } from './file-slice.js';
import { GlyphCache, unpackHexRows, type Glyph, type GlyphSource } from './glyph.js';

interface BdfIndex {
  /** Sorted code points and, at the same position, the byte range of the glyph's block. */
  readonly cps: Int32Array;
  readonly starts: Uint32Array;
  readonly lengths: Uint16Array;
}

export class BdfFont implements GlyphSource {
  readonly name: string;
  readonly ascent: number;
  readonly descent: number;
  private index: BdfIndex | undefined;
  private readonly cache = new GlyphCache();

  constructor(
    private readonly path: string,
    name: string,
  ) {
    this.name = name;
    const head = readSlice(path, 0, 4096).toString('latin1');
    this.ascent = headerInt(head, 'FONT_ASCENT') ?? 12;
    this.descent = headerInt(head, 'FONT_DESCENT') ?? 2;
  }

  glyph(cp: number): Glyph | undefined {
    return this.cache.get(cp, (c) => this.parse(c));
  }

  private parse(cp: number): Glyph | undefined {
    this.index ??= buildIndex(this.path);
    const i = find(this.index.cps, cp);
    if (i < 0) return undefined;
    const block = readSlice(this.path, this.index.starts[i] ?? 0, this.index.lengths[i] ?? 0)
      .toString('latin1')
      .split('\n');
    let advance = 0;
    let bbx: number[] = [0, 0, 0, 0];
    let bitmapAt = -1;
    for (let k = 0; k < block.length; k++) {
      const line = (block[k] ?? '').trim();
      if (line.startsWith('DWIDTH ')) advance = Number(line.split(/\s+/)[1]);
      else if (line.startsWith('BBX ')) bbx = line.split(/\s+/).slice(1).map(Number);
      else if (line === 'BITMAP') {
        bitmapAt = k + 1;
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

function find(cps: Int32Array, cp: number): number {
  let lo = 0;
  let hi = cps.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = cps[mid] ?? 0;
    if (v < cp) lo = mid + 1;
    else if (v > cp) hi = mid - 1;
    else return mid;
  }
  return -1;
}

/** One pass over the file: every `ENCODING n` with the byte range up to its `ENDCHAR`. */
function buildIndex(path: string): BdfIndex {
  const cps: number[] = [];
  const starts: number[] = [];
  const lengths: number[] = [];
  const ENCODING = Buffer.from('ENCODING ');
  const ENDCHAR = Buffer.from('ENDCHAR');
  forEachLine(path, (chunk, start, end, offset) => {
    if (chunk.compare(ENCODING, 0, ENCODING.length, start, Math.min(end, start + ENCODING.length)) === 0) {
      const cp = parseNumberAt(chunk, start + ENCODING.length, end, 10);
      if (cp >= 0) {
        cps.push(cp);
        starts.push(offset);
        lengths.push(0);
      }
    } else if (
      lengths.length > 0 &&
      lengths[lengths.length - 1] === 0 &&
      chunk.compare(ENDCHAR, 0, ENDCHAR.length, start, Math.min(end, start + ENDCHAR.length)) === 0
    ) {
      lengths[lengths.length - 1] = Math.min(0xffff, offset - (starts[starts.length - 1] ?? offset));
    }
  });
  const order = cps.map((_, i) => i).sort((a, b) => (cps[a] ?? 0) - (cps[b] ?? 0));
  return {
    cps: Int32Array.from(order, (i) => cps[i] ?? 0),
    starts: Uint32Array.from(order, (i) => starts[i] ?? 0),
    lengths: Uint16Array.from(order, (i) => lengths[i] ?? 0),
  };
}
