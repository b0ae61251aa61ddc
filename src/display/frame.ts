/**
 * A frame is what a panel shows: a 1-bit bitmap in the panel's native orientation (rotation is
 * applied by the renderer), rows packed MSB-first, `stride` = ceil(width / 8) bytes, bit 1 = ink
 * (black). LCD drivers colour it with `palette`.
 */
export interface Rgb {
  readonly r: number;
  readonly g: number;
  readonly b: number;
}

export interface Frame {
  readonly width: number;
  readonly height: number;
  readonly stride: number;
  readonly data: Uint8Array;
  /** For colour panels: ink and paper colours (e-paper ignores it). */
  readonly palette?: { readonly ink: Rgb; readonly paper: Rgb };
}

export function createFrame(width: number, height: number): Frame {
  const stride = Math.ceil(width / 8);
  return { width, height, stride, data: new Uint8Array(stride * height) };
}

export function getPixel(f: Frame, x: number, y: number): 0 | 1 {
  const byte = f.data[y * f.stride + (x >> 3)] ?? 0;
  return ((byte >> (7 - (x & 7))) & 1) as 0 | 1;
}

export function setPixel(f: Frame, x: number, y: number, ink: 0 | 1): void {
  if (x < 0 || y < 0 || x >= f.width || y >= f.height) return;
  const i = y * f.stride + (x >> 3);
  const mask = 0x80 >> (x & 7);
  const cur = f.data[i] ?? 0;
  f.data[i] = ink ? cur | mask : cur & ~mask;
}

/** Bounding box of the pixels that differ between two frames of the same size, or undefined. */
export function diffBox(a: Frame, b: Frame): { x: number; y: number; width: number; height: number } | undefined {
  if (a.width !== b.width || a.height !== b.height) return { x: 0, y: 0, width: b.width, height: b.height };
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -1;
  let maxY = -1;
  for (let y = 0; y < b.height; y++) {
    const row = y * b.stride;
    for (let bx = 0; bx < b.stride; bx++) {
      const d = (a.data[row + bx] ?? 0) ^ (b.data[row + bx] ?? 0);
      if (d === 0) continue;
      const x0 = bx * 8 + Math.clz32(d) - 24;
      const x1 = bx * 8 + 7 - (31 - Math.clz32(d & -d));
      if (x0 < minX) minX = x0;
      if (x1 > maxX) maxX = x1;
      if (y < minY) minY = y;
      maxY = y;
    }
  }
  if (maxY < 0) return undefined;
  return { x: minX, y: minY, width: Math.min(b.width - 1, maxX) - minX + 1, height: maxY - minY + 1 };
}
