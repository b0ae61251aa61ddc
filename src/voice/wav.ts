/**
 * RIFF WAVE, 16-bit PCM only (what espeak-ng writes and aplay plays): read the format and the
 * samples, fix the sizes a streaming writer leaves unknown (espeak-ng --stdout writes 0x7ffff000),
 * scale the volume, measure length and loudness, and write a tone (the simulated engine's voice).
 * Pure codec; tested byte for byte.
 */
import { TillqrError } from '../core/errors.js';

export interface WavInfo {
  readonly sampleRate: number;
  readonly channels: number;
  /** Byte offset of the first sample and the number of sample bytes. */
  readonly dataOffset: number;
  readonly dataBytes: number;
}

const bad = (why: string): TillqrError => new TillqrError('AUDIO_BAD_WAV', `not a 16-bit PCM WAV: ${why}`);

function tag(b: Uint8Array, at: number): string {
  return String.fromCharCode(b[at] ?? 0, b[at + 1] ?? 0, b[at + 2] ?? 0, b[at + 3] ?? 0);
}

export function readWav(b: Uint8Array): WavInfo {
  if (b.length < 44 || tag(b, 0) !== 'RIFF' || tag(b, 8) !== 'WAVE') throw bad('no RIFF/WAVE header');
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let at = 12;
  let fmt: { channels: number; rate: number; bits: number; format: number } | undefined;
  while (at + 8 <= b.length) {
    const id = tag(b, at);
    const size = v.getUint32(at + 4, true);
    if (id === 'fmt ') {
      if (size < 16 || at + 24 > b.length) throw bad('short fmt chunk');
      fmt = { format: v.getUint16(at + 8, true), channels: v.getUint16(at + 10, true), rate: v.getUint32(at + 12, true), bits: v.getUint16(at + 22, true) };
    } else if (id === 'data') {
      if (fmt === undefined) throw bad('data before fmt');
      if (fmt.format !== 1 || fmt.bits !== 16 || fmt.channels < 1 || fmt.channels > 2 || fmt.rate < 4000)
        throw bad(`format ${fmt.format}, ${fmt.bits} bits, ${fmt.channels} channels, ${fmt.rate} Hz`);
      const avail = b.length - (at + 8);
      // A streaming writer does not know the length: take what is there, in whole frames.
      const bytes = Math.min(size, avail);
      return { sampleRate: fmt.rate, channels: fmt.channels, dataOffset: at + 8, dataBytes: bytes - (bytes % (2 * fmt.channels)) };
    }
    at += 8 + size + (size % 2);
  }
  throw bad('no data chunk');
}

/** A canonical 44-byte-header WAV of these samples. */
export function writeWav(samples: Int16Array, sampleRate: number, channels = 1): Uint8Array {
  const out = new Uint8Array(44 + samples.length * 2);
  const v = new DataView(out.buffer);
  const ascii = (at: number, s: string): void => {
    for (let i = 0; i < 4; i++) out[at + i] = s.charCodeAt(i);
  };
  ascii(0, 'RIFF');
  v.setUint32(4, 36 + samples.length * 2, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  v.setUint32(16, 16, true);
  v.setUint16(20, 1, true);
  v.setUint16(22, channels, true);
  v.setUint32(24, sampleRate, true);
  v.setUint32(28, sampleRate * channels * 2, true);
  v.setUint16(32, channels * 2, true);
  v.setUint16(34, 16, true);
  ascii(36, 'data');
  v.setUint32(40, samples.length * 2, true);
  for (let i = 0; i < samples.length; i++) v.setInt16(44 + i * 2, samples[i] ?? 0, true);
  return out;
}

export function samplesOf(b: Uint8Array, info: WavInfo = readWav(b)): Int16Array {
  const v = new DataView(b.buffer, b.byteOffset + info.dataOffset, info.dataBytes);
  const out = new Int16Array(info.dataBytes / 2);
  for (let i = 0; i < out.length; i++) out[i] = v.getInt16(i * 2, true);
  return out;
}

/** The same sound with exact sizes in a 44-byte header (what the cache keeps). */
export function normalizeWav(b: Uint8Array): Uint8Array {
  const info = readWav(b);
  return writeWav(samplesOf(b, info), info.sampleRate, info.channels);
}

/** Scaled to `percent` of its loudness (0..100), clipped to 16 bits. 100 returns the input. */
export function withVolume(b: Uint8Array, percent: number): Uint8Array {
  if (percent >= 100) return b;
  const info = readWav(b);
  const s = samplesOf(b, info);
  const f = Math.max(0, percent) / 100;
  for (let i = 0; i < s.length; i++) s[i] = Math.round((s[i] ?? 0) * f);
  return writeWav(s, info.sampleRate, info.channels);
}

export interface WavStats {
  readonly seconds: number;
  /** Root mean square of the samples, 0..1 of full scale. */
  readonly rms: number;
  /** Largest absolute sample, 0..1. */
  readonly peak: number;
}

export function wavStats(b: Uint8Array): WavStats {
  const info = readWav(b);
  const s = samplesOf(b, info);
  let sum = 0;
  let peak = 0;
  for (const x of s) {
    sum += x * x;
    peak = Math.max(peak, Math.abs(x));
  }
  return { seconds: s.length / info.channels / info.sampleRate, rms: s.length === 0 ? 0 : Math.sqrt(sum / s.length) / 32768, peak: peak / 32768 };
}

/** A sine tone (the simulated engine and the console's sound test). */
export function tone(seconds: number, hz: number, sampleRate = 16_000, level = 0.3): Uint8Array {
  const n = Math.max(1, Math.round(seconds * sampleRate));
  const s = new Int16Array(n);
  for (let i = 0; i < n; i++) s[i] = Math.round(Math.sin((2 * Math.PI * hz * i) / sampleRate) * level * 32767);
  return writeWav(s, sampleRate);
}
