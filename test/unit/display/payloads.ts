/**
 * Payload generators for the QR acceptance test: an EMV merchant-presented payload and a URL of
 * any exact length, each extendable one character at a time.
 */
import { emvCrc } from '../../../src/display/render/samples.js';
import type { Frame } from '../../../src/display/frame.js';
import jsQRModule from 'jsqr';

// jsqr is CommonJS with a `default` export in its types; under NodeNext the default import is the module.
const jsQR = ((jsQRModule as unknown as { default?: typeof jsQRModule }).default ?? jsQRModule) as unknown as typeof jsQRModule.default;

const FILL = 'TILLQR0123456789ABCDEFGHJKMNPQRSTUVWXYZ';

function tlv(tag: string, value: string): string {
  return `${tag}${String(value.length).padStart(2, '0')}${value}`;
}

/**
 * A well-formed EMV MPM payload (format 01, dynamic, JPY, CRC) of exactly `n` characters; the
 * length is made up with merchant account templates (tags 27–51) of upper-case alphanumerics.
 */
export function emvPayload(n: number): string {
  const head = tlv('00', '01') + tlv('01', '12') + tlv('26', tlv('00', 'jp.co.tillqr.pay') + tlv('01', '4912345678901'));
  const tail = tlv('52', '5812') + tlv('53', '392') + tlv('54', '1280') + tlv('58', 'JP') + tlv('59', 'SAKURA COFFEE') + tlv('60', 'TOKYO');
  const fixed = head.length + tail.length + 8;
  let room = n - fixed;
  if (room < 0 || room === 1 || room === 2 || room === 3 || room === 4) throw new Error(`no EMV payload of length ${n}`);
  const fields: string[] = [];
  let tag = 27;
  while (room > 0) {
    let take = Math.min(103, room);
    if (room - take > 0 && room - take < 5) take -= 5; // leave room for one more whole field
    const value = FILL.repeat(4).slice(0, take - 4);
    fields.push(tlv(String(tag++), value));
    room -= take;
    if (tag > 51) tag = 80; // unreserved templates 80–99 as well
  }
  const body = `${head}${fields.join('')}${tail}6304`;
  return body + emvCrc(body);
}

/** A URL of exactly `n` characters. */
export function urlPayload(n: number): string {
  const base = 'https://pay.tillqr.example/c/';
  const chars = 'abcdefghijkmnopqrstuvwxyz0123456789';
  let s = base;
  for (let i = 0; s.length < n; i++) s += chars[(i * 7 + 3) % chars.length];
  return s.slice(0, n);
}

/** Decodes a frame as a camera would see the panel: ink dark, paper light. */
export function decodeFrame(f: Frame): string | undefined {
  const rgba = new Uint8ClampedArray(f.width * f.height * 4);
  for (let y = 0; y < f.height; y++) {
    for (let x = 0; x < f.width; x++) {
      const ink = ((f.data[y * f.stride + (x >> 3)] ?? 0) >> (7 - (x & 7))) & 1;
      const o = (y * f.width + x) * 4;
      const v = ink === 1 ? 0 : 255;
      rgba[o] = v;
      rgba[o + 1] = v;
      rgba[o + 2] = v;
      rgba[o + 3] = 255;
    }
  }
  return jsQR(rgba, f.width, f.height, { inversionAttempts: 'dontInvert' })?.data;
}
