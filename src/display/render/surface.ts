/**
 * The renderer's drawing surface: one byte per pixel (1 = ink) in logical, already-rotated
 * coordinates. A byte per pixel keeps fills and glyph blits to plain typed-array writes; the
 * surface is packed into the panel's native 1-bit frame once, at the end (see to-frame.ts).
 */
export interface Surface {
  readonly width: number;
  readonly height: number;
  readonly px: Uint8Array;
  /** Drawing is limited to this rectangle (x0, y0 inclusive; x1, y1 exclusive). */
  readonly clip: Clip;
}

export interface Clip {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** Runs `fn` with drawing clipped to the box (intersected with the current clip), then restores. */
export function withClip(s: Surface, x: number, y: number, w: number, h: number, fn: () => void): void {
  const saved = { ...s.clip };
  s.clip.x0 = Math.max(saved.x0, Math.floor(x));
  s.clip.y0 = Math.max(saved.y0, Math.floor(y));
  s.clip.x1 = Math.min(saved.x1, Math.floor(x + w));
  s.clip.y1 = Math.min(saved.y1, Math.floor(y + h));
  try {
    fn();
  } finally {
    Object.assign(s.clip, saved);
  }
}

/** A 1-bit mask: `bits[y * width + x]` is 1 for ink. Glyphs, icons and QR codes are masks. */
export interface Mask {
  readonly width: number;
  readonly height: number;
  readonly bits: Uint8Array;
}

export function createSurface(width: number, height: number, buffer?: Uint8Array): Surface {
  const n = width * height;
  const px = buffer !== undefined && buffer.length >= n ? buffer.subarray(0, n) : new Uint8Array(n);
  px.fill(0);
  return { width, height, px, clip: { x0: 0, y0: 0, x1: width, y1: height } };
}

/** Fills the rectangle (clipped to the surface) with ink (1) or paper (0). */
export function fillRect(s: Surface, x: number, y: number, w: number, h: number, ink: 0 | 1 = 1): void {
  const c = s.clip;
  const x0 = Math.max(c.x0, Math.floor(x));
  const y0 = Math.max(c.y0, Math.floor(y));
  const x1 = Math.min(c.x1, Math.floor(x + w));
  const y1 = Math.min(c.y1, Math.floor(y + h));
  if (x1 <= x0 || y1 <= y0) return;
  const px = s.px;
  for (let yy = y0; yy < y1; yy++) {
    const row = yy * s.width;
    px.fill(ink, row + x0, row + x1);
  }
}

/** A rectangle outline `t` pixels thick, drawn inside the given box. */
export function strokeRect(s: Surface, x: number, y: number, w: number, h: number, t = 1): void {
  fillRect(s, x, y, w, t);
  fillRect(s, x, y + h - t, w, t);
  fillRect(s, x, y, t, h);
  fillRect(s, x + w - t, y, t, h);
}

/** Horizontal dotted rule: ink every other `gap` pixels. */
export function dottedLine(s: Surface, x: number, y: number, w: number, gap = 2): void {
  const c = s.clip;
  if (y < c.y0 || y >= c.y1) return;
  const row = y * s.width;
  const x1 = Math.min(c.x1, x + w);
  for (let xx = Math.max(c.x0, x); xx < x1; xx += gap * 2) s.px.fill(1, row + xx, row + Math.min(x1, xx + gap));
}

/**
 * Draws the mask's ink at (x, y), each mask pixel as a `scale` x `scale` block; `ink` 0 draws
 * the mask as paper (for text on an inked band). Clipped to the surface.
 */
export function blitMask(s: Surface, m: Mask, x: number, y: number, scale = 1, ink: 0 | 1 = 1): void {
  const sw = s.width;
  const px = s.px;
  const bits = m.bits;
  if (scale === 1) {
    const c = s.clip;
    const cx0 = Math.max(0, c.x0 - x);
    const cy0 = Math.max(0, c.y0 - y);
    const cx1 = Math.min(m.width, c.x1 - x);
    const cy1 = Math.min(m.height, c.y1 - y);
    for (let my = cy0; my < cy1; my++) {
      const src = my * m.width;
      const dst = (y + my) * sw + x;
      for (let mx = cx0; mx < cx1; mx++) if (bits[src + mx] === 1) px[dst + mx] = ink;
    }
    return;
  }
  for (let my = 0; my < m.height; my++) {
    const src = my * m.width;
    for (let mx = 0; mx < m.width; mx++) {
      if (bits[src + mx] === 1) fillRect(s, x + mx * scale, y + my * scale, scale, scale, ink);
    }
  }
}

/** Flips ink and paper in a rectangle (for highlighted bands). */
export function invertRect(s: Surface, x: number, y: number, w: number, h: number): void {
  const c = s.clip;
  const x0 = Math.max(c.x0, x);
  const y0 = Math.max(c.y0, y);
  const x1 = Math.min(c.x1, x + w);
  const y1 = Math.min(c.y1, y + h);
  const px = s.px;
  for (let yy = y0; yy < y1; yy++) {
    const row = yy * s.width;
    for (let xx = x0; xx < x1; xx++) px[row + xx] = (px[row + xx] ?? 0) ^ 1;
  }
}
