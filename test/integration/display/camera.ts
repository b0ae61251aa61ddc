/**
 * What a phone camera makes of a panel: the upright frame as grey levels with e-paper contrast
 * (grey ink on grey paper), sampled finer than the panel's pixels, turned a few degrees, blurred
 * (a spot half a QR module wide) and with sensor noise; written as an 8-bit greyscale PNG for zbarimg
 * and as RGBA for jsQR. Deterministic (seeded noise), so a failure reproduces.
 */
import { deflateSync } from 'node:zlib';
import { getPixel, type Frame } from '../../../src/display/frame.js';

export interface Grey {
  readonly width: number;
  readonly height: number;
  readonly px: Float32Array;
}

export interface Degradation {
  /** Degrees, clockwise. */
  readonly rotateDeg: number;
  /** Width of the blur spot (full width at half maximum of a Gaussian), in QR modules. */
  readonly blurModules: number;
  /** Grey level of ink and of paper (0 black, 255 white). */
  readonly ink: number;
  readonly paper: number;
  /** Standard deviation of the added noise, in grey levels. */
  readonly noise: number;
  readonly seed: number;
}

/** A region of a 1-bit frame as grey levels, each panel pixel `scale` x `scale` samples. */
export function greyOf(f: Frame, region: { x: number; y: number; w: number; h: number }, scale: number, d: Degradation): Grey {
  const width = region.w * scale;
  const height = region.h * scale;
  const px = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const fy = region.y + Math.floor(y / scale);
    for (let x = 0; x < width; x++) {
      const fx = region.x + Math.floor(x / scale);
      const inside = fx >= 0 && fy >= 0 && fx < f.width && fy < f.height;
      px[y * width + x] = inside && getPixel(f, fx, fy) === 1 ? d.ink : d.paper;
    }
  }
  return { width, height, px };
}

/** Turned about its centre (bilinear), the corners filled with paper. */
export function rotate(g: Grey, deg: number, paper: number): Grey {
  const a = (deg * Math.PI) / 180;
  const cos = Math.cos(a);
  const sin = Math.sin(a);
  const cx = g.width / 2;
  const cy = g.height / 2;
  const out = new Float32Array(g.width * g.height);
  const at = (x: number, y: number): number => (x < 0 || y < 0 || x >= g.width || y >= g.height ? paper : (g.px[y * g.width + x] ?? paper));
  for (let y = 0; y < g.height; y++) {
    for (let x = 0; x < g.width; x++) {
      const sx = cos * (x - cx) + sin * (y - cy) + cx;
      const sy = -sin * (x - cx) + cos * (y - cy) + cy;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      out[y * g.width + x] = (at(x0, y0) * (1 - fx) + at(x0 + 1, y0) * fx) * (1 - fy) + (at(x0, y0 + 1) * (1 - fx) + at(x0 + 1, y0 + 1) * fx) * fy;
    }
  }
  return { width: g.width, height: g.height, px: out };
}

/** Separable Gaussian blur (edges repeat the border pixel). */
export function blur(g: Grey, sigma: number): Grey {
  if (sigma <= 0) return g;
  const r = Math.ceil(sigma * 3);
  const k = new Float32Array(2 * r + 1);
  let sum = 0;
  for (let i = -r; i <= r; i++) sum += k[i + r] = Math.exp(-(i * i) / (2 * sigma * sigma));
  for (let i = 0; i < k.length; i++) k[i] = (k[i] ?? 0) / sum;
  const { width: w, height: h } = g;
  // One pass along rows of a padded copy, written transposed: two passes blur both ways.
  const pass = (src: Float32Array, sw: number, sh: number): Float32Array => {
    const out = new Float32Array(sw * sh);
    const row = new Float32Array(sw + 2 * r);
    for (let y = 0; y < sh; y++) {
      const o = y * sw;
      for (let x = 0; x < sw + 2 * r; x++) row[x] = src[o + Math.min(sw - 1, Math.max(0, x - r))] ?? 0;
      for (let x = 0; x < sw; x++) {
        let acc = 0;
        for (let i = 0; i < k.length; i++) acc += (row[x + i] ?? 0) * (k[i] ?? 0);
        out[x * sh + y] = acc;
      }
    }
    return out;
  };
  return { width: w, height: h, px: pass(pass(g.px, w, h), h, w) };
}

/** Adds seeded Gaussian noise. */
export function addNoise(g: Grey, sigma: number, seed: number): Grey {
  let s = seed >>> 0 || 1;
  const rand = (): number => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return ((s >>> 0) + 0.5) / 4294967296;
  };
  const out = new Float32Array(g.px.length);
  for (let i = 0; i < out.length; i++) out[i] = (g.px[i] ?? 0) + Math.sqrt(-2 * Math.log(rand())) * Math.cos(2 * Math.PI * rand()) * sigma;
  return { width: g.width, height: g.height, px: out };
}

function clamp(g: Grey): Uint8Array {
  return Uint8Array.from(g.px, (v) => Math.max(0, Math.min(255, Math.round(v))));
}

/**
 * The whole degradation: grey levels, the turn, sensor noise, then the blur of the optics and the
 * phone's image processing (which is also what smooths a real sensor's noise).
 */
export function camera(
  f: Frame,
  region: { x: number; y: number; w: number; h: number },
  modulePx: number,
  d: Degradation,
): { width: number; height: number; grey: Uint8Array } {
  // Sample each QR module with at least 6 camera pixels, as a phone held at the till does.
  const scale = Math.max(1, Math.ceil(6 / modulePx));
  const turned = rotate(greyOf(f, region, scale, d), d.rotateDeg, d.paper);
  const g = blur(addNoise(turned, d.noise, d.seed), (d.blurModules * modulePx * scale) / 2.3548);
  return { width: g.width, height: g.height, grey: clamp(g) };
}

export function rgbaOf(width: number, height: number, grey: Uint8Array): Uint8ClampedArray {
  const out = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < grey.length; i++) {
    const v = grey[i] ?? 0;
    out[i * 4] = v;
    out[i * 4 + 1] = v;
    out[i * 4 + 2] = v;
    out[i * 4 + 3] = 255;
  }
  return out;
}

const CRC = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = (c & 1) !== 0 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  let c = 0xffffffff;
  for (const b of out.subarray(4, 8 + data.length)) c = (CRC[(c ^ b) & 0xff] ?? 0) ^ (c >>> 8);
  out.writeUInt32BE((c ^ 0xffffffff) >>> 0, 8 + data.length);
  return out;
}

/** An 8-bit greyscale PNG. */
export function greyPng(width: number, height: number, grey: Uint8Array): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 0;
  const raw = Buffer.alloc((width + 1) * height);
  for (let y = 0; y < height; y++) raw.set(grey.subarray(y * width, (y + 1) * width), y * (width + 1) + 1);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', new Uint8Array(0)),
  ]);
}
