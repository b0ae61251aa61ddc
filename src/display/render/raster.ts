/**
 * Scanline fill of closed polygons with the non-zero winding rule, sampled at pixel centres (with
 * optional supersampling and a half-coverage threshold). Used for outline glyphs (large amount
 * digits) and for the small vector icons; the output is a crisp 1-bit mask, never grey.
 */
import type { Mask } from './surface.js';

/** A closed polygon as a flat list of x, y pairs in pixel units (y down). */
export type Polygon = readonly number[];

/** Rasterises `polygons` into a width x height mask; `ss` samples per pixel side (1 = centre only). */
export function rasterize(polygons: readonly Polygon[], width: number, height: number, ss = 1): Mask {
  const w = Math.max(0, Math.ceil(width));
  const h = Math.max(0, Math.ceil(height));
  if (ss <= 1) return { width: w, height: h, bits: fill(polygons, w, h, 1) };
  const big = fill(polygons, w * ss, h * ss, ss);
  const bits = new Uint8Array(w * h);
  const bw = w * ss;
  const need = (ss * ss) / 2;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let n = 0;
      for (let sy = 0; sy < ss; sy++) {
        const row = (y * ss + sy) * bw + x * ss;
        for (let sx = 0; sx < ss; sx++) n += big[row + sx] ?? 0;
      }
      if (n >= need) bits[y * w + x] = 1;
    }
  }
  return { width: w, height: h, bits };
}

function fill(polygons: readonly Polygon[], w: number, h: number, scale: number): Uint8Array {
  const out = new Uint8Array(w * h);
  // Edges as parallel arrays: x0, y0, x1, y1 (y0 < y1) and winding direction.
  const ex0: number[] = [];
  const ey0: number[] = [];
  const ex1: number[] = [];
  const ey1: number[] = [];
  const edir: number[] = [];
  for (const poly of polygons) {
    const n = poly.length >> 1;
    for (let i = 0; i < n; i++) {
      const j = (i + 1) % n;
      const ax = (poly[2 * i] ?? 0) * scale;
      const ay = (poly[2 * i + 1] ?? 0) * scale;
      const bx = (poly[2 * j] ?? 0) * scale;
      const by = (poly[2 * j + 1] ?? 0) * scale;
      if (ay === by) continue;
      const up = ay < by;
      ex0.push(up ? ax : bx);
      ey0.push(up ? ay : by);
      ex1.push(up ? bx : ax);
      ey1.push(up ? by : ay);
      edir.push(up ? 1 : -1);
    }
  }
  const xs: number[] = [];
  const ds: number[] = [];
  const order: number[] = [];
  for (let y = 0; y < h; y++) {
    const sy = y + 0.5;
    xs.length = 0;
    ds.length = 0;
    for (let e = 0; e < ey0.length; e++) {
      const y0 = ey0[e] ?? 0;
      const y1 = ey1[e] ?? 0;
      if (sy < y0 || sy >= y1) continue;
      const x0 = ex0[e] ?? 0;
      xs.push(x0 + ((sy - y0) * ((ex1[e] ?? 0) - x0)) / (y1 - y0));
      ds.push(edir[e] ?? 0);
    }
    if (xs.length < 2) continue;
    order.length = 0;
    for (let i = 0; i < xs.length; i++) order.push(i);
    order.sort((a, b) => (xs[a] ?? 0) - (xs[b] ?? 0));
    let winding = 0;
    const row = y * w;
    for (let k = 0; k < order.length - 1; k++) {
      const i = order[k] ?? 0;
      winding += ds[i] ?? 0;
      if (winding === 0) continue;
      const xa = Math.max(0, Math.ceil((xs[i] ?? 0) - 0.5));
      const xb = Math.min(w, Math.ceil((xs[order[k + 1] ?? 0] ?? 0) - 0.5));
      if (xb > xa) out.fill(1, row + xa, row + xb);
    }
  }
  return out;
}

/** A polygon approximating a circle (or a ring when used with an inner circle reversed). */
export function circle(cx: number, cy: number, r: number, reverse = false, steps = Math.max(16, Math.ceil(r * 2))): number[] {
  const pts: number[] = [];
  for (let i = 0; i < steps; i++) {
    const a = ((reverse ? -i : i) / steps) * Math.PI * 2;
    pts.push(cx + r * Math.cos(a), cy + r * Math.sin(a));
  }
  return pts;
}

/** A thick straight stroke from (x0, y0) to (x1, y1) as a quadrilateral. */
export function stroke(x0: number, y0: number, x1: number, y1: number, thickness: number): number[] {
  const dx = x1 - x0;
  const dy = y1 - y0;
  const len = Math.hypot(dx, dy) || 1;
  const nx = (-dy / len) * (thickness / 2);
  const ny = (dx / len) * (thickness / 2);
  return [x0 + nx, y0 + ny, x1 + nx, y1 + ny, x1 - nx, y1 - ny, x0 - nx, y0 - ny];
}
