/**
 * A TrueType font at one pixel size as a GlyphSource: outlines flattened and filled by the
 * scanline rasteriser with 4x4 supersampling and a half-coverage threshold, cached per glyph.
 */
import { rasterize, type Polygon } from '../raster.js';
import type { Glyph, GlyphSource } from './glyph.js';
import type { Contour, TrueTypeFont } from './truetype.js';

export class OutlineFont implements GlyphSource {
  readonly name: string;
  readonly ascent: number;
  readonly descent: number;
  private readonly scale: number;
  private readonly cache = new Map<number, Glyph | null>();

  constructor(
    private readonly font: TrueTypeFont,
    readonly size: number,
    name: string,
  ) {
    this.name = `${name} ${size}px`;
    this.scale = size / font.unitsPerEm;
    this.ascent = Math.ceil(font.ascender * this.scale);
    this.descent = Math.ceil(-font.descender * this.scale);
  }

  glyph(cp: number): Glyph | undefined {
    const hit = this.cache.get(cp);
    if (hit !== undefined) return hit ?? undefined;
    const gid = this.font.glyphIndex(cp);
    const g = gid === 0 && cp !== 0x20 ? undefined : this.render(gid);
    this.cache.set(cp, g ?? null);
    return g;
  }

  advanceOf(cp: number): number | undefined {
    const gid = this.font.glyphIndex(cp);
    return gid === 0 && cp !== 0x20 ? undefined : Math.round(this.font.advance(gid) * this.scale);
  }

  private render(gid: number): Glyph {
    const s = this.scale;
    const advance = Math.round(this.font.advance(gid) * s);
    const contours = this.font.contours(gid);
    let minX = Infinity;
    let maxX = -Infinity;
    let minY = Infinity;
    let maxY = -Infinity;
    for (const c of contours) {
      for (const p of c) {
        minX = Math.min(minX, p.x);
        maxX = Math.max(maxX, p.x);
        minY = Math.min(minY, p.y);
        maxY = Math.max(maxY, p.y);
      }
    }
    if (contours.length === 0 || !Number.isFinite(minX)) return { width: 0, height: 0, left: 0, top: 0, advance, bits: new Uint8Array(0) };
    const left = Math.floor(minX * s);
    const top = Math.ceil(maxY * s);
    const width = Math.ceil(maxX * s) - left;
    const height = top - Math.floor(minY * s);
    // Pixel coordinates inside the glyph box, y down.
    const polys = contours.map((c) =>
      flatten(
        c,
        (x) => x * s - left,
        (y) => top - y * s,
      ),
    );
    const mask = rasterize(polys, width, height, 4);
    return { ...mask, left, top, advance };
  }
}

/** Quadratic B-spline contour -> polygon, with implied on-curve midpoints and adaptive steps. */
function flatten(c: Contour, fx: (x: number) => number, fy: (y: number) => number): Polygon {
  const n = c.length;
  const out: number[] = [];
  if (n === 0) return out;
  const pts = c.map((p) => ({ x: fx(p.x), y: fy(p.y), on: p.on }));
  // Start on an on-curve point (or the midpoint of the first two off-curve points).
  let startIdx = pts.findIndex((p) => p.on);
  let start: { x: number; y: number };
  if (startIdx < 0) {
    const a = pts[0];
    const b = pts[1 % n];
    start = { x: ((a?.x ?? 0) + (b?.x ?? 0)) / 2, y: ((a?.y ?? 0) + (b?.y ?? 0)) / 2 };
    startIdx = 0;
  } else start = pts[startIdx] ?? { x: 0, y: 0 };
  out.push(start.x, start.y);
  let cur = start;
  let ctrl: { x: number; y: number } | undefined;
  for (let k = 1; k <= n; k++) {
    const p = pts[(startIdx + k) % n] ?? { x: 0, y: 0, on: true };
    const isStart = k === n;
    if (isStart && !p.on) {
      // Only when every point is off-curve: close through p back to the start midpoint.
      if (ctrl !== undefined) {
        const mid = { x: (ctrl.x + p.x) / 2, y: (ctrl.y + p.y) / 2 };
        quad(out, cur, ctrl, mid);
        cur = mid;
      }
      quad(out, cur, p, start);
    } else if (p.on || isStart) {
      const end = isStart ? start : p;
      if (ctrl !== undefined) quad(out, cur, ctrl, end);
      else out.push(end.x, end.y);
      cur = end;
      ctrl = undefined;
    } else if (ctrl === undefined) ctrl = p;
    else {
      const mid = { x: (ctrl.x + p.x) / 2, y: (ctrl.y + p.y) / 2 };
      quad(out, cur, ctrl, mid);
      cur = mid;
      ctrl = p;
    }
  }
  return out;
}

function quad(out: number[], a: { x: number; y: number }, c: { x: number; y: number }, b: { x: number; y: number }): void {
  const steps = Math.max(2, Math.min(24, Math.ceil(Math.hypot(b.x - a.x, b.y - a.y) / 2)));
  for (let i = 1; i <= steps; i++) {
    const t = i / steps;
    const u = 1 - t;
    out.push(u * u * a.x + 2 * u * t * c.x + t * t * b.x, u * u * a.y + 2 * u * t * c.y + t * t * b.y);
  }
}
