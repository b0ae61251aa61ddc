/**
 * Small vector icons for the result and system screens, built from polygons in a unit square and
 * rasterised to crisp 1-bit masks at the size asked for (cached per name and size).
 */
import { circle, rasterize, stroke, type Polygon } from './raster.js';
import { blitMask, type Mask, type Surface } from './surface.js';

export type IconName = 'check' | 'cross' | 'clock' | 'forbidden' | 'warning' | 'offline' | 'download' | 'plug' | 'dots';

export type IconCache = Map<string, Mask>;

const T = 0.085; // stroke thickness in unit coordinates

function ring(r = 0.47, t = T): Polygon[] {
  return [circle(0.5, 0.5, r), circle(0.5, 0.5, r - t, true)];
}

function arcBand(cx: number, cy: number, r0: number, r1: number, a0: number, a1: number): Polygon {
  const pts: number[] = [];
  const steps = 24;
  for (let i = 0; i <= steps; i++) {
    const a = a0 + ((a1 - a0) * i) / steps;
    pts.push(cx + r1 * Math.cos(a), cy + r1 * Math.sin(a));
  }
  for (let i = steps; i >= 0; i--) {
    const a = a0 + ((a1 - a0) * i) / steps;
    pts.push(cx + r0 * Math.cos(a), cy + r0 * Math.sin(a));
  }
  return pts;
}

const SHAPES: Record<IconName, () => Polygon[]> = {
  check: () => [...ring(), stroke(0.27, 0.52, 0.45, 0.69, T * 1.3), stroke(0.42, 0.69, 0.75, 0.34, T * 1.3)],
  cross: () => [...ring(), stroke(0.33, 0.33, 0.67, 0.67, T * 1.2), stroke(0.67, 0.33, 0.33, 0.67, T * 1.2)],
  clock: () => [...ring(), stroke(0.5, 0.54, 0.5, 0.22, T), stroke(0.47, 0.52, 0.7, 0.64, T)],
  forbidden: () => [...ring(), stroke(0.2, 0.8, 0.8, 0.2, T)],
  warning: () => {
    const outer = [0.5, 0.04, 0.98, 0.92, 0.02, 0.92];
    const inner = [0.5, 0.2, 0.15, 0.84, 0.85, 0.84]; // reversed winding cuts the hole
    return [outer, inner, stroke(0.5, 0.38, 0.5, 0.64, T * 1.2), circle(0.5, 0.74, 0.055)];
  },
  offline: () => [
    arcBand(0.5, 0.78, 0.56, 0.64, Math.PI * 1.22, Math.PI * 1.78),
    arcBand(0.5, 0.78, 0.34, 0.42, Math.PI * 1.22, Math.PI * 1.78),
    circle(0.5, 0.78, 0.09),
    stroke(0.12, 0.12, 0.88, 0.9, T),
  ],
  download: () => [stroke(0.5, 0.08, 0.5, 0.55, T * 1.3), [0.24, 0.45, 0.76, 0.45, 0.5, 0.74], stroke(0.12, 0.9, 0.88, 0.9, T)],
  plug: () => [
    [0.28, 0.34, 0.72, 0.34, 0.72, 0.62, 0.28, 0.62],
    stroke(0.39, 0.08, 0.39, 0.34, T),
    stroke(0.61, 0.08, 0.61, 0.34, T),
    stroke(0.5, 0.6, 0.5, 0.96, T),
  ],
  dots: () => [circle(0.2, 0.5, 0.09), circle(0.5, 0.5, 0.09), circle(0.8, 0.5, 0.09)],
};

export function iconMask(cache: IconCache, name: IconName, size: number): Mask {
  const key = `${name}/${size}`;
  let m = cache.get(key);
  if (m === undefined) {
    const polys = SHAPES[name]().map((p) => p.map((v) => v * size));
    m = rasterize(polys, size, size, 4);
    cache.set(key, m);
  }
  return m;
}

export function drawIcon(s: Surface, cache: IconCache, name: IconName, x: number, y: number, size: number): void {
  blitMask(s, iconMask(cache, name, size), x, y);
}
