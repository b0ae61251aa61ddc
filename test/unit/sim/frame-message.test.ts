import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createFrame, getPixel, setPixel } from '../../../src/display/frame.js';
import { PANELS } from '../../../src/display/panels.js';
import { viewOf } from '../../../src/display/render/png.js';
import { frameMessage } from '../../../src/sim/frame-message.js';

/** What the page does with a message: unpack the base64 rows bit by bit. */
function pagePixels(m: ReturnType<typeof frameMessage>): number[][] {
  const bits = Buffer.from(m.bits, 'base64');
  const rows: number[][] = [];
  for (let y = 0; y < m.height; y++) {
    const row: number[] = [];
    for (let x = 0; x < m.width; x++) row.push(((bits[y * m.stride + (x >> 3)] ?? 0) >> (7 - (x & 7))) & 1);
    rows.push(row);
  }
  return rows;
}

describe('frame messages for the page', () => {
  it('carry every pixel of the panel as mounted, for every rotation', () => {
    const info = PANELS['waveshare-2in13-v4']; // 122 wide: rows end mid-byte
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat({ max: info.width - 1 }), fc.nat({ max: info.height - 1 })), { maxLength: 300 }),
        fc.constantFrom(0, 90, 180, 270 as const),
        (inks, rotation) => {
          const f = createFrame(info.width, info.height);
          for (const [x, y] of inks) setPixel(f, x, y, 1);
          const m = frameMessage({ seq: 3, mode: 'full', frame: f }, info, rotation);
          const view = viewOf(f, rotation);
          expect([m.width, m.height]).toEqual([view.width, view.height]);
          expect(m.native).toEqual({ width: 122, height: 250 });
          const want = Array.from({ length: view.height }, (_, y) => Array.from({ length: view.width }, (_, x) => getPixel(view, x, y)));
          expect(pagePixels(m)).toEqual(want);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('turn a 320x240 panel mounted at 90 degrees into a 240x320 picture with its colours', () => {
    const info = PANELS['lcd-320x240'];
    const f = { ...createFrame(info.width, info.height), palette: { ink: { r: 255, g: 255, b: 255 }, paper: { r: 0, g: 0, b: 64 } } };
    const m = frameMessage({ seq: 1, mode: 'full', frame: f }, info, 90);
    expect([m.width, m.height, m.stride]).toEqual([240, 320, 30]);
    expect([m.ink, m.paper]).toEqual(['#ffffff', '#000040']);
    expect(m.kind).toBe('lcd');
  });
});
