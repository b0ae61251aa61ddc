/**
 * Colour a 1-bit frame into framebuffer pixels: RGB565 (16 bpp), BGR888 (24 bpp) or XRGB8888
 * (32 bpp), little-endian as the Pi's framebuffers store them. The frame goes to the top-left
 * corner; the rest of each row (up to `stride` bytes) and any rows below it get the paper colour.
 */
import { TillqrError } from '../../core/errors.js';
import { getPixel, type Frame, type Rgb } from '../frame.js';

export interface FbFormat {
  readonly xres: number;
  readonly yres: number;
  readonly bitsPerPixel: number;
  /** Bytes per row, padding included. */
  readonly stride: number;
}

export const DEFAULT_PALETTE: { readonly ink: Rgb; readonly paper: Rgb } = Object.freeze({
  ink: Object.freeze({ r: 0, g: 0, b: 0 }),
  paper: Object.freeze({ r: 255, g: 255, b: 255 }),
});

export const SUPPORTED_BPP = [16, 24, 32] as const;

/** The little-endian bytes of one pixel of colour `c`. */
export function pixelBytes(c: Rgb, bitsPerPixel: number): Uint8Array {
  switch (bitsPerPixel) {
    case 16: {
      const v = ((c.r >> 3) << 11) | ((c.g >> 2) << 5) | (c.b >> 3);
      return Uint8Array.of(v & 0xff, v >> 8);
    }
    case 24:
      return Uint8Array.of(c.b, c.g, c.r);
    case 32:
      return Uint8Array.of(c.b, c.g, c.r, 0xff);
    default:
      throw new TillqrError('PANEL_IO', `framebuffer depth of ${bitsPerPixel} bits per pixel is not supported (use 16, 24 or 32)`, { bitsPerPixel });
  }
}

export function encodeFrame(frame: Frame, fmt: FbFormat): Uint8Array {
  const bpp = fmt.bitsPerPixel / 8;
  const palette = frame.palette ?? DEFAULT_PALETTE;
  const ink = pixelBytes(palette.ink, fmt.bitsPerPixel);
  const paper = pixelBytes(palette.paper, fmt.bitsPerPixel);
  if (fmt.stride < fmt.xres * bpp)
    throw new TillqrError('PANEL_IO', `framebuffer stride ${fmt.stride} is shorter than ${fmt.xres} pixels of ${bpp} bytes`, { ...fmt });
  const out = new Uint8Array(fmt.stride * fmt.yres);
  // One paper row, copied under every row, then ink pixels written over it.
  const paperRow = new Uint8Array(fmt.xres * bpp);
  for (let x = 0; x < fmt.xres; x++) paperRow.set(paper, x * bpp);
  for (let y = 0; y < fmt.yres; y++) out.set(paperRow, y * fmt.stride);
  const w = Math.min(frame.width, fmt.xres);
  const h = Math.min(frame.height, fmt.yres);
  for (let y = 0; y < h; y++) {
    const row = y * fmt.stride;
    for (let x = 0; x < w; x++) if (getPixel(frame, x, y) === 1) out.set(ink, row + x * bpp);
  }
  return out;
}
