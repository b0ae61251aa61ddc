/**
 * Reads a byte range of a file. Font files stay on disk: the fonts keep only an index in memory
 * and read a glyph's few bytes the first time it is drawn (then the glyph itself is cached).
 */
import { closeSync, openSync, readSync } from 'node:fs';

export function readSlice(path: string, offset: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  const fd = openSync(path, 'r');
  try {
    const n = readSync(fd, buf, 0, length, offset);
    return n === length ? buf : buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/**
 * Calls `onLine(chunk, start, end, fileOffset)` for every line of a file, reading it in 256 KiB
 * chunks so that indexing a multi-megabyte font never holds the whole file in memory.
 */
export function forEachLine(path: string, onLine: (chunk: Buffer, start: number, end: number, fileOffset: number) => void): void {
  const size = 256 * 1024;
  let buf = Buffer.alloc(size);
  const fd = openSync(path, 'r');
  try {
    let carry = 0; // bytes of an unfinished line kept at the start of buf
    let base = 0; // file offset of buf[0]
    for (;;) {
      if (carry === buf.length) {
        const bigger = Buffer.alloc(buf.length * 2);
        buf.copy(bigger, 0, 0, carry);
        buf = bigger;
      }
      const n = readSync(fd, buf, carry, buf.length - carry, base + carry);
      const filled = carry + n;
      let start = 0;
      for (let nl = buf.indexOf(10, start); nl >= 0 && nl < filled; nl = buf.indexOf(10, start)) {
        onLine(buf, start, nl, base + start);
        start = nl + 1;
      }
      if (n === 0) {
        if (start < filled) onLine(buf, start, filled, base + start);
        return;
      }
      buf.copy(buf, 0, start, filled);
      base += start;
      carry = filled - start;
    }
  } finally {
    closeSync(fd);
  }
}

/** A number written in `radix` (10 or 16) at chunk[start, end), without allocating; -1 if none. */
export function parseNumberAt(chunk: Buffer, start: number, end: number, radix: 10 | 16): number {
  let v = 0;
  let digits = 0;
  for (let i = start; i < end; i++) {
    const c = chunk[i] ?? 0;
    let d: number;
    if (c >= 48 && c <= 57) d = c - 48;
    else if (radix === 16 && c >= 65 && c <= 70) d = c - 55;
    else if (radix === 16 && c >= 97 && c <= 102) d = c - 87;
    else if (digits === 0 && c === 32) continue;
    else break;
    v = v * radix + d;
    digits++;
  }
  return digits === 0 ? -1 : v;
}
