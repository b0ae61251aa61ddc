/**
 * Byte-aligned windows of a 1-bit bitmap: e-paper controllers address RAM in bytes of 8 pixels
 * horizontally, so a partial update covers whole bytes.
 */
import { diffBox } from '../frame.js';

export interface RamWindow {
  /** First column, in bytes. */
  readonly xByte: number;
  /** Width in bytes. */
  readonly bytes: number;
  /** First row. */
  readonly y: number;
  readonly rows: number;
}

export function fullWindow(stride: number, height: number): RamWindow {
  return { xByte: 0, bytes: stride, y: 0, rows: height };
}

/** The smallest byte-aligned window holding every pixel that differs, or undefined when none does. */
export function changedWindow(prev: Uint8Array, next: Uint8Array, width: number, height: number): RamWindow | undefined {
  const stride = Math.ceil(width / 8);
  const box = diffBox({ width, height, stride, data: prev }, { width, height, stride, data: next });
  if (box === undefined) return undefined;
  const xByte = box.x >> 3;
  const lastByte = Math.min(stride - 1, (box.x + box.width - 1) >> 3);
  return { xByte, bytes: lastByte - xByte + 1, y: box.y, rows: box.height };
}

/** The window's bytes, row by row; `invert` flips every bit (for controllers where 1 = white). */
export function windowBytes(buf: Uint8Array, stride: number, w: RamWindow, invert: boolean): Uint8Array {
  const out = new Uint8Array(w.bytes * w.rows);
  for (let r = 0; r < w.rows; r++) {
    const src = (w.y + r) * stride + w.xByte;
    const row = buf.subarray(src, src + w.bytes);
    if (invert) for (let i = 0; i < w.bytes; i++) out[r * w.bytes + i] = ~(row[i] ?? 0) & 0xff;
    else out.set(row, r * w.bytes);
  }
  return out;
}
