/**
 * QR codes drawn as whole modules: matrix from the `qrcode` package, an integer module size of at
 * least 2 px, a quiet zone of 4 modules, error correction M (L only when M does not fit at 2 px).
 * A payload that cannot be drawn that way is QR_TOO_LARGE; nothing is ever scaled or blurred.
 */
import QRCode from 'qrcode/lib/core/qrcode.js';
import { TillqrError } from '../../core/errors.js';
import { fillRect, type Surface } from './surface.js';

export const QR_QUIET_MODULES = 4;
export const QR_MIN_MODULE_PX = 2;
/** The QR version never emitted (see QrCache.matrix). */
export const AVOIDED_VERSION = 23;

export interface QrMatrix {
  /** Modules per side (without quiet zone). */
  readonly size: number;
  /** size x size, 1 = dark module. */
  readonly modules: Uint8Array;
  readonly ecl: 'M' | 'L';
  readonly version: number;
}

export interface QrPlan extends QrMatrix {
  /** Pixels per module. */
  readonly module: number;
  /** Side of the drawn square including the quiet zone, in pixels. */
  readonly side: number;
}

/** Small cache of encoded matrices (a countdown redraws the same payload many times). */
export class QrCache {
  private readonly map = new Map<string, QrMatrix | null>();
  constructor(private readonly capacity = 16) {}

  matrix(payload: string, ecl: 'M' | 'L'): QrMatrix | undefined {
    const key = `${ecl}\u0000${payload}`;
    const hit = this.map.get(key);
    if (hit !== undefined) {
      this.map.delete(key);
      this.map.set(key, hit);
      return hit ?? undefined;
    }
    let m: QrMatrix | undefined;
    try {
      let q = QRCode.create(payload, { errorCorrectionLevel: ecl });
      // Decoders descended from jsqrcode (jsQR among them) carry a wrong alignment-pattern
      // position for version 23 (74 instead of 78, ISO/IEC 18004 Table E.1) and cannot read
      // it at all; a wallet app built on one would fail at the till. Version 24 avoids that.
      if (q.version === AVOIDED_VERSION) q = QRCode.create(payload, { errorCorrectionLevel: ecl, version: AVOIDED_VERSION + 1 });
      const modules = new Uint8Array(q.modules.size * q.modules.size);
      const src = q.modules.data;
      for (let i = 0; i < modules.length; i++) modules[i] = (src[i] ?? 0) !== 0 ? 1 : 0;
      m = { size: q.modules.size, modules, ecl, version: q.version };
    } catch {
      m = undefined; // too much data for any QR version at this level
    }
    this.map.set(key, m ?? null);
    if (this.map.size > this.capacity) {
      const oldest = this.map.keys().next().value;
      if (oldest !== undefined) this.map.delete(oldest);
    }
    return m;
  }
}

/** The largest square (in px) a QR plan would use inside `maxSide`, or QR_TOO_LARGE. */
export function planQr(payload: string, maxSide: number, cache: QrCache): QrPlan {
  if (payload.length === 0) throw new TillqrError('QR_TOO_LARGE', 'the QR payload is empty', { length: 0 });
  for (const ecl of ['M', 'L'] as const) {
    const m = cache.matrix(payload, ecl);
    if (m === undefined) continue;
    const module = Math.floor(maxSide / (m.size + 2 * QR_QUIET_MODULES));
    if (module >= QR_MIN_MODULE_PX) return { ...m, module, side: module * (m.size + 2 * QR_QUIET_MODULES) };
  }
  throw new TillqrError('QR_TOO_LARGE', `a ${payload.length}-character payload does not fit a ${maxSide}px square at ${QR_MIN_MODULE_PX}px per module`, {
    length: payload.length,
    maxSide,
  });
}

/** Draws the plan with the top-left of its quiet zone at (x, y); the quiet zone is cleared to paper. */
export function drawQr(s: Surface, plan: QrPlan, x: number, y: number): void {
  fillRect(s, x, y, plan.side, plan.side, 0);
  const m = plan.module;
  const ox = x + QR_QUIET_MODULES * m;
  const oy = y + QR_QUIET_MODULES * m;
  const { size, modules } = plan;
  for (let r = 0; r < size; r++) {
    const row = r * size;
    let c = 0;
    while (c < size) {
      if (modules[row + c] !== 1) {
        c++;
        continue;
      }
      const start = c;
      while (c < size && modules[row + c] === 1) c++;
      fillRect(s, ox + start * m, oy + r * m, (c - start) * m, m, 1);
    }
  }
}
