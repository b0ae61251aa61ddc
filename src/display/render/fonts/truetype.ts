/**
 * A minimal TrueType (glyf) reader: cmap formats 4 and 12, horizontal metrics and simple and
 * composite glyph outlines. Enough to draw the large amount digits from a system font
 * (DejaVu Sans Bold from Debian's fonts-dejavu-core); CFF/OpenType outlines are not read.
 */
import { readFileSync } from 'node:fs';

export interface OutlinePoint {
  readonly x: number;
  readonly y: number;
  readonly on: boolean;
}

export type Contour = readonly OutlinePoint[];

export class TrueTypeFont {
  readonly unitsPerEm: number;
  readonly ascender: number;
  readonly descender: number;
  private readonly v: DataView;
  private readonly tables = new Map<string, { offset: number; length: number }>();
  private readonly longLoca: boolean;
  private readonly numGlyphs: number;
  private readonly numHMetrics: number;
  private readonly cmap: (cp: number) => number;

  constructor(bytes: Uint8Array) {
    this.v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const n = this.v.getUint16(4);
    for (let i = 0; i < n; i++) {
      const rec = 12 + i * 16;
      const tag = String.fromCharCode(bytes[rec] ?? 0, bytes[rec + 1] ?? 0, bytes[rec + 2] ?? 0, bytes[rec + 3] ?? 0);
      this.tables.set(tag, { offset: this.v.getUint32(rec + 8), length: this.v.getUint32(rec + 12) });
    }
    const head = this.table('head');
    this.unitsPerEm = this.v.getUint16(head + 18);
    this.longLoca = this.v.getInt16(head + 50) === 1;
    const hhea = this.table('hhea');
    this.ascender = this.v.getInt16(hhea + 4);
    this.descender = this.v.getInt16(hhea + 6);
    this.numHMetrics = this.v.getUint16(hhea + 34);
    this.numGlyphs = this.v.getUint16(this.table('maxp') + 4);
    this.cmap = this.readCmap();
  }

  static fromFile(path: string): TrueTypeFont {
    return new TrueTypeFont(readFileSync(path));
  }

  /** Glyph index for a code point (0 = .notdef, i.e. missing). */
  glyphIndex(cp: number): number {
    return this.cmap(cp);
  }

  advance(gid: number): number {
    const i = Math.min(gid, this.numHMetrics - 1);
    return this.v.getUint16(this.table('hmtx') + i * 4);
  }

  /** The glyph's contours in font units (y up). */
  contours(gid: number, depth = 0): Contour[] {
    if (gid < 0 || gid >= this.numGlyphs || depth > 8) return [];
    const loca = this.table('loca');
    const start = this.longLoca ? this.v.getUint32(loca + gid * 4) : this.v.getUint16(loca + gid * 2) * 2;
    const end = this.longLoca ? this.v.getUint32(loca + gid * 4 + 4) : this.v.getUint16(loca + gid * 2 + 2) * 2;
    if (end <= start) return [];
    const at = this.table('glyf') + start;
    const numContours = this.v.getInt16(at);
    return numContours >= 0 ? this.simple(at, numContours) : this.composite(at, depth);
  }

  private simple(at: number, numContours: number): Contour[] {
    const v = this.v;
    const endPts: number[] = [];
    for (let i = 0; i < numContours; i++) endPts.push(v.getUint16(at + 10 + i * 2));
    const nPoints = (endPts[endPts.length - 1] ?? -1) + 1;
    let p = at + 10 + numContours * 2;
    p += 2 + v.getUint16(p);
    const flags: number[] = [];
    while (flags.length < nPoints) {
      const f = v.getUint8(p++);
      flags.push(f);
      if ((f & 8) !== 0) {
        let r = v.getUint8(p++);
        while (r-- > 0) flags.push(f);
      }
    }
    const xs: number[] = [];
    let x = 0;
    for (const f of flags) {
      if ((f & 2) !== 0) {
        const d = v.getUint8(p++);
        x += (f & 16) !== 0 ? d : -d;
      } else if ((f & 16) === 0) {
        x += v.getInt16(p);
        p += 2;
      }
      xs.push(x);
    }
    const ys: number[] = [];
    let y = 0;
    for (const f of flags) {
      if ((f & 4) !== 0) {
        const d = v.getUint8(p++);
        y += (f & 32) !== 0 ? d : -d;
      } else if ((f & 32) === 0) {
        y += v.getInt16(p);
        p += 2;
      }
      ys.push(y);
    }
    const out: Contour[] = [];
    let first = 0;
    for (const last of endPts) {
      const c: OutlinePoint[] = [];
      for (let i = first; i <= last; i++) c.push({ x: xs[i] ?? 0, y: ys[i] ?? 0, on: ((flags[i] ?? 0) & 1) !== 0 });
      out.push(c);
      first = last + 1;
    }
    return out;
  }

  private composite(at: number, depth: number): Contour[] {
    const v = this.v;
    const out: Contour[] = [];
    let p = at + 10;
    for (;;) {
      const flags = v.getUint16(p);
      const gid = v.getUint16(p + 2);
      p += 4;
      let dx: number;
      let dy: number;
      if ((flags & 1) !== 0) {
        dx = v.getInt16(p);
        dy = v.getInt16(p + 2);
        p += 4;
      } else {
        dx = v.getInt8(p);
        dy = v.getInt8(p + 1);
        p += 2;
      }
      let a = 1;
      let b = 0;
      let c = 0;
      let d = 1;
      if ((flags & 8) !== 0) {
        a = d = v.getInt16(p) / 16384;
        p += 2;
      } else if ((flags & 0x40) !== 0) {
        a = v.getInt16(p) / 16384;
        d = v.getInt16(p + 2) / 16384;
        p += 4;
      } else if ((flags & 0x80) !== 0) {
        a = v.getInt16(p) / 16384;
        b = v.getInt16(p + 2) / 16384;
        c = v.getInt16(p + 4) / 16384;
        d = v.getInt16(p + 6) / 16384;
        p += 8;
      }
      // Only x/y offsets (ARGS_ARE_XY_VALUES) are supported; point matching is rare in Latin fonts.
      const xy = (flags & 2) !== 0;
      for (const contour of this.contours(gid, depth + 1)) {
        out.push(contour.map((pt) => ({ x: a * pt.x + c * pt.y + (xy ? dx : 0), y: b * pt.x + d * pt.y + (xy ? dy : 0), on: pt.on })));
      }
      if ((flags & 0x20) === 0) break;
    }
    return out;
  }

  private table(tag: string): number {
    const t = this.tables.get(tag);
    if (t === undefined) throw new Error(`font has no ${tag} table`);
    return t.offset;
  }

  private readCmap(): (cp: number) => number {
    const v = this.v;
    const cmap = this.table('cmap');
    const n = v.getUint16(cmap + 2);
    let f4 = -1;
    let f12 = -1;
    for (let i = 0; i < n; i++) {
      const rec = cmap + 4 + i * 8;
      const platform = v.getUint16(rec);
      const sub = cmap + v.getUint32(rec + 4);
      const format = v.getUint16(sub);
      if (format === 12 && (platform === 3 || platform === 0)) f12 = sub;
      if (format === 4 && (platform === 3 || platform === 0) && f4 < 0) f4 = sub;
    }
    if (f12 >= 0) {
      const groups = v.getUint32(f12 + 12);
      return (cp) => {
        let lo = 0;
        let hi = groups - 1;
        while (lo <= hi) {
          const mid = (lo + hi) >> 1;
          const g = f12 + 16 + mid * 12;
          const s = v.getUint32(g);
          const e = v.getUint32(g + 4);
          if (cp < s) hi = mid - 1;
          else if (cp > e) lo = mid + 1;
          else return v.getUint32(g + 8) + cp - s;
        }
        return 0;
      };
    }
    if (f4 < 0) return () => 0;
    const segX2 = v.getUint16(f4 + 6);
    const ends = f4 + 14;
    const starts = ends + segX2 + 2;
    const deltas = starts + segX2;
    const ranges = deltas + segX2;
    return (cp) => {
      if (cp > 0xffff) return 0;
      for (let s = 0; s < segX2; s += 2) {
        if (cp > v.getUint16(ends + s)) continue;
        const start = v.getUint16(starts + s);
        if (cp < start) return 0;
        const delta = v.getInt16(deltas + s);
        const ro = v.getUint16(ranges + s);
        if (ro === 0) return (cp + delta) & 0xffff;
        const gi = v.getUint16(ranges + s + ro + (cp - start) * 2);
        return gi === 0 ? 0 : (gi + delta) & 0xffff;
      }
      return 0;
    };
  }
}
