/**
 * Rotation and packing: the renderer draws upright in logical coordinates; this turns the surface
 * into the panel's native 1-bit frame (rows MSB-first, 1 = ink). `rotation` is how the panel is
 * mounted, in degrees clockwise, so the image is turned the other way to look upright.
 */
import { createFrame, type Frame } from '../frame.js';
import type { PanelInfo } from '../panel.js';
import type { Surface } from './surface.js';

export type Rotation = 0 | 90 | 180 | 270;

/** Logical (upright) size of a panel mounted with `rotation`. */
export function logicalSize(panel: Pick<PanelInfo, 'width' | 'height'>, rotation: Rotation): { width: number; height: number } {
  return rotation === 90 || rotation === 270 ? { width: panel.height, height: panel.width } : { width: panel.width, height: panel.height };
}

/** Where a native pixel (nx, ny) reads from in the logical surface: index = base + nx * step. */
function sourceWalk(rotation: Rotation, lw: number, lh: number, ny: number): { base: number; step: number } {
  switch (rotation) {
    case 0:
      return { base: ny * lw, step: 1 };
    case 90:
      return { base: lw - 1 - ny, step: lw };
    case 180:
      return { base: (lh - 1 - ny) * lw + (lw - 1), step: -1 };
    case 270:
      return { base: (lh - 1) * lw + ny, step: -lw };
  }
}

/** Packs `s` (logical size for `rotation`) into a new native frame of `nativeWidth` x `nativeHeight`. */
export function surfaceToFrame(s: Surface, nativeWidth: number, nativeHeight: number, rotation: Rotation): Frame {
  const frame = createFrame(nativeWidth, nativeHeight);
  const out = frame.data;
  const px = s.px;
  const stride = frame.stride;
  for (let ny = 0; ny < nativeHeight; ny++) {
    const { base, step } = sourceWalk(rotation, s.width, s.height, ny);
    let src = base;
    let o = ny * stride;
    let nx = 0;
    for (; nx + 8 <= nativeWidth; nx += 8) {
      out[o++] =
        ((px[src] ?? 0) << 7) |
        ((px[src + step] ?? 0) << 6) |
        ((px[src + 2 * step] ?? 0) << 5) |
        ((px[src + 3 * step] ?? 0) << 4) |
        ((px[src + 4 * step] ?? 0) << 3) |
        ((px[src + 5 * step] ?? 0) << 2) |
        ((px[src + 6 * step] ?? 0) << 1) |
        (px[src + 7 * step] ?? 0);
      src += 8 * step;
    }
    if (nx < nativeWidth) {
      let b = 0;
      for (let bit = 7; nx < nativeWidth; nx++, bit--) {
        b |= (px[src] ?? 0) << bit;
        src += step;
      }
      out[o] = b;
    }
  }
  return frame;
}
