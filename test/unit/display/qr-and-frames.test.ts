/**
 * QR planning (EC level, module size, quiet zone, version 23 avoided), rotation into the native
 * frame, PNG output and the panel catalogue.
 */
import fc from 'fast-check';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { isTillqrError } from '../../../src/core/errors.js';
import { PANEL_IDS } from '../../../src/display/config.js';
import { getPixel } from '../../../src/display/frame.js';
import { panelInfo, PANELS } from '../../../src/display/panels.js';
import { encodePng, viewOf } from '../../../src/display/render/png.js';
import { AVOIDED_VERSION, drawQr, planQr, QrCache, QR_QUIET_MODULES } from '../../../src/display/render/qr.js';
import { createSurface, fillRect } from '../../../src/display/render/surface.js';
import { logicalSize, surfaceToFrame, type Rotation } from '../../../src/display/render/to-frame.js';
import { urlPayload } from './payloads.js';

describe('planQr', () => {
  const cache = new QrCache();
  it('uses level M with the largest whole module size that fits', () => {
    const p = planQr('https://tillqr.example/p/1', 200, cache);
    expect(p.ecl).toBe('M');
    expect(Number.isInteger(p.module)).toBe(true);
    expect(p.side).toBe(p.module * (p.size + 2 * QR_QUIET_MODULES));
    expect(p.side).toBeLessThanOrEqual(200);
    expect((p.module + 1) * (p.size + 2 * QR_QUIET_MODULES)).toBeGreaterThan(200);
  });

  it('falls back to level L only when M does not fit at 2 px per module', () => {
    for (let n = 100; n < 400; n += 3) {
      const payload = urlPayload(n);
      const m = cache.matrix(payload, 'M');
      const side = 128;
      let plan;
      try {
        plan = planQr(payload, side, cache);
      } catch (e) {
        expect(isTillqrError(e, 'QR_TOO_LARGE')).toBe(true);
        continue;
      }
      const mFits = m !== undefined && 2 * (m.size + 8) <= side;
      expect(plan.ecl, `n=${n}`).toBe(mFits ? 'M' : 'L');
      expect(plan.module).toBeGreaterThanOrEqual(2);
    }
  });

  it('refuses an empty payload and one beyond any QR version', () => {
    for (const p of ['', 'x'.repeat(3000)]) expect(() => planQr(p, 2000, cache)).toThrow(expect.objectContaining({ code: 'QR_TOO_LARGE' }) as Error);
  });

  it(`never emits version ${AVOIDED_VERSION} (jsqrcode-derived decoders cannot read it)`, () => {
    for (let n = 900; n < 1200; n += 5) for (const ecl of ['M', 'L'] as const) expect(cache.matrix(urlPayload(n), ecl)?.version).not.toBe(AVOIDED_VERSION);
  });

  it('draws whole modules and clears the quiet zone', () => {
    const s = createSurface(120, 120);
    fillRect(s, 0, 0, 120, 120, 1);
    const plan = planQr('HELLO', 120, cache);
    drawQr(s, plan, 0, 0);
    const q = QR_QUIET_MODULES * plan.module;
    for (let y = 0; y < plan.side; y++) {
      for (let x = 0; x < plan.side; x++) {
        const inQuiet = x < q || y < q || x >= plan.side - q || y >= plan.side - q;
        const v = s.px[y * 120 + x];
        if (inQuiet) expect(v).toBe(0);
        else expect(v).toBe(plan.modules[Math.floor((y - q) / plan.module) * plan.size + Math.floor((x - q) / plan.module)]);
      }
    }
  });
});

describe('rotation', () => {
  it('puts each logical pixel where the mounted panel shows it upright (viewOf inverts surfaceToFrame)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...PANEL_IDS),
        fc.constantFrom<Rotation>(0, 90, 180, 270),
        fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 20 }),
        (id, rotation, points) => {
          const panel = PANELS[id];
          const { width, height } = logicalSize(panel, rotation);
          const s = createSurface(width, height);
          for (const [x, y] of points) s.px[(y % height) * width + (x % width)] = 1;
          const view = viewOf(surfaceToFrame(s, panel.width, panel.height, rotation), rotation);
          expect([view.width, view.height]).toEqual([width, height]);
          for (let y = 0; y < height; y += 7) for (let x = 0; x < width; x += 3) expect(getPixel(view, x, y)).toBe(s.px[y * width + x]);
          for (const [x, y] of points) expect(getPixel(view, x % width, y % height)).toBe(1);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('rotation 90 turns the top-right corner of the picture into the native top-left pixel', () => {
    const s = createSurface(296, 128);
    s.px[295] = 1;
    const f = surfaceToFrame(s, 128, 296, 90);
    expect(getPixel(f, 0, 0)).toBe(1);
  });
});

describe('encodePng', () => {
  it('writes a 1-bit indexed PNG with paper and ink colours and the exact pixels', () => {
    const s = createSurface(13, 5);
    fillRect(s, 2, 1, 9, 2);
    const frame = { ...surfaceToFrame(s, 13, 5, 0), palette: { ink: { r: 20, g: 33, b: 61 }, paper: { r: 255, g: 255, b: 255 } } };
    const png = encodePng(frame);
    expect(png[24]).toBe(1); // bit depth
    expect(png[25]).toBe(3); // indexed colour
    const img = PNG.sync.read(png);
    for (let y = 0; y < 5; y++) {
      for (let x = 0; x < 13; x++) {
        const o = (y * 13 + x) * 4;
        const inked = getPixel(frame, x, y) === 1;
        expect([img.data[o], img.data[o + 1], img.data[o + 2]]).toEqual(inked ? [20, 33, 61] : [255, 255, 255]);
      }
    }
  });
});

describe('panel catalogue', () => {
  it('has every configured panel id with its native size', () => {
    expect(Object.keys(PANELS).sort()).toEqual([...PANEL_IDS].sort());
    expect(panelInfo('waveshare-2in9-v2')).toMatchObject({ width: 128, height: 296, kind: 'epaper' });
    expect(panelInfo('lcd-480x320')).toMatchObject({ width: 480, height: 320, kind: 'lcd' });
    expect(() => panelInfo('waveshare-1in54')).toThrow(expect.objectContaining({ code: 'PANEL_UNKNOWN' }) as Error);
  });
});
