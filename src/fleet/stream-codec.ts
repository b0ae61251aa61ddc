/**
 * Binary frames of the chunked transfer (stream/data): [u16 big-endian header length][header
 * JSON][block bytes]. Binary rather than base64 in JSON (as AWS IoT's JSON variant does) because
 * a Pi Zero should not spend a third more bytes and a decode per block.
 */
import { streamFrameHeaderSchema, type StreamFrameHeader } from '../link/contract-fleet.js';

export const MAX_HEADER = 1024;

export function encodeFrame(header: StreamFrameHeader, data: Uint8Array = new Uint8Array(0)): Buffer {
  const h = Buffer.from(JSON.stringify(header), 'utf8');
  if (h.length > MAX_HEADER) throw new Error('frame header too long');
  const out = Buffer.allocUnsafe(2 + h.length + data.length);
  out.writeUInt16BE(h.length, 0);
  h.copy(out, 2);
  out.set(data, 2 + h.length);
  return out;
}

export type DecodedFrame = { readonly ok: true; readonly header: StreamFrameHeader; readonly data: Buffer } | { readonly ok: false; readonly problem: string };

export function decodeFrame(frame: Buffer): DecodedFrame {
  if (frame.length < 2) return { ok: false, problem: 'shorter than its length field' };
  const len = frame.readUInt16BE(0);
  if (len > MAX_HEADER || 2 + len > frame.length) return { ok: false, problem: 'header length out of range' };
  let raw: unknown;
  try {
    raw = JSON.parse(frame.toString('utf8', 2, 2 + len));
  } catch {
    return { ok: false, problem: 'header is not JSON' };
  }
  const r = streamFrameHeaderSchema.safeParse(raw);
  if (!r.ok) return { ok: false, problem: r.issues.map((i) => i.message).join('; ') };
  return { ok: true, header: r.value, data: frame.subarray(2 + len) };
}

/** Number of blocks of a stream. */
export function blockCount(size: number, blockSize: number): number {
  return Math.ceil(size / blockSize);
}

/** The byte length of block `i`. */
export function blockLength(i: number, size: number, blockSize: number): number {
  return Math.max(0, Math.min(blockSize, size - i * blockSize));
}
