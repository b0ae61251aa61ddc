/**
 * Layouts use the panel: on the square 240x240 LCD the charge and idle QR takes most of the
 * square (text above and below it), measured on the rendered frame: the decoded symbol's
 * corners give its side, which with its quiet zone must cover at least 45% of the panel (it was
 * a 135 px square beside a text column, 32%).
 */
import jsQRModule from 'jsqr';
import { describe, expect, it } from 'vitest';
import type { Frame } from '../../../src/display/frame.js';
import { PANELS } from '../../../src/display/panels.js';
import { viewOf } from '../../../src/display/render/png.js';
import { QR_QUIET_MODULES, QrCache } from '../../../src/display/render/qr.js';
import { Renderer } from '../../../src/display/render/renderer.js';
import { sampleScreen } from '../../../src/display/render/samples.js';
import type { Rotation } from '../../../src/display/render/to-frame.js';

const jsQR = ((jsQRModule as unknown as { default?: typeof jsQRModule }).default ?? jsQRModule) as unknown as typeof jsQRModule.default;
const renderer = new Renderer();
const panel = PANELS['lcd-240x240'];

function locate(f: Frame, rotation: Rotation): { data: string; side: number } | undefined {
  const v = viewOf(f, rotation);
  const rgba = new Uint8ClampedArray(v.width * v.height * 4);
  for (let y = 0; y < v.height; y++)
    for (let x = 0; x < v.width; x++) {
      const ink = ((v.data[y * v.stride + (x >> 3)] ?? 0) >> (7 - (x & 7))) & 1;
      rgba.fill(ink === 1 ? 0 : 255, (y * v.width + x) * 4, (y * v.width + x) * 4 + 3);
      rgba[(y * v.width + x) * 4 + 3] = 255;
    }
  const r = jsQR(rgba, v.width, v.height, { inversionAttempts: 'dontInvert' });
  if (r === null) return undefined;
  const l = r.location;
  return { data: r.data, side: Math.hypot(l.topRightCorner.x - l.topLeftCorner.x, l.topRightCorner.y - l.topLeftCorner.y) };
}

describe('the QR on the 240x240 LCD', () => {
  for (const name of ['charge', 'idle'] as const)
    for (const rotation of [0, 90, 180, 270] as Rotation[])
      it(`${name} @${rotation}: the QR with its quiet zone covers at least 45% of the panel and decodes`, () => {
        const screen = sampleScreen(name, { lang: 'ja' });
        const qr = (screen as { qr: string }).qr;
        const found = locate(renderer.render(screen, panel, rotation, 'ja'), rotation);
        expect(found?.data).toBe(qr);
        const size = new QrCache().matrix(qr, 'M')?.size ?? 0;
        const withQuiet = ((found?.side ?? 0) * (size + 2 * QR_QUIET_MODULES)) / size;
        expect(withQuiet ** 2 / (panel.width * panel.height)).toBeGreaterThanOrEqual(0.45);
      });
});
