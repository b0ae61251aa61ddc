/**
 * PNG output for the CLI and the gallery: a frame as a 1-bit indexed PNG (index 0 = paper,
 * 1 = ink), so e-paper pictures are exactly the panel's bits and LCD pictures carry the palette.
 * Written directly (IHDR, PLTE, IDAT, IEND) with node:zlib; no runtime dependency.
 */
import { deflateSync } from 'node:zlib';
import { createFrame, getPixel, setPixel, type Frame, type Rgb } from '../frame.js';
import type { Rotation } from './to-frame.js';

const WHITE: Rgb = { r: 255, g: 255, b: 255 };
const BLACK: Rgb = { r: 0, g: 0, b: 0 };

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = (c & 1) !== 0 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of buf) c = (CRC_TABLE[(c ^ b) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** The frame as a 1-bit palette PNG; e-paper frames (no palette) come out black on white. */
export function encodePng(frame: Frame): Buffer {
  const ink = frame.palette?.ink ?? BLACK;
  const paper = frame.palette?.paper ?? WHITE;
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(frame.width, 0);
  ihdr.writeUInt32BE(frame.height, 4);
  ihdr[8] = 1; // bit depth
  ihdr[9] = 3; // indexed colour
  const raw = new Uint8Array((frame.stride + 1) * frame.height);
  for (let y = 0; y < frame.height; y++) raw.set(frame.data.subarray(y * frame.stride, (y + 1) * frame.stride), y * (frame.stride + 1) + 1);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('PLTE', Uint8Array.from([paper.r, paper.g, paper.b, ink.r, ink.g, ink.b])),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

/**
 * What a person sees on a panel mounted with `rotation`: the native frame turned clockwise by
 * the mounting angle (undoing the renderer's counter-rotation). Keeps the palette.
 */
export function viewOf(frame: Frame, rotation: Rotation): Frame {
  if (rotation === 0) return frame;
  const turned = rotation === 180;
  const w = turned ? frame.width : frame.height;
  const h = turned ? frame.height : frame.width;
  const out = createFrame(w, h);
  for (let ny = 0; ny < frame.height; ny++) {
    for (let nx = 0; nx < frame.width; nx++) {
      if (getPixel(frame, nx, ny) === 0) continue;
      // Inverse of to-frame.ts's mapping from logical (lx, ly) to native (nx, ny).
      if (rotation === 90) setPixel(out, w - 1 - ny, nx, 1);
      else if (rotation === 180) setPixel(out, w - 1 - nx, h - 1 - ny, 1);
      else setPixel(out, ny, h - 1 - nx, 1);
    }
  }
  return frame.palette === undefined ? out : { ...out, palette: frame.palette };
}
