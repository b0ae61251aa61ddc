/**
 * The Panel contract, one suite for every implementation: the simulated panel, the real e-paper
 * drivers on the simulated HAT, and (on a Pi) the real drivers on real hardware. `shown` is how a
 * simulator reports what is on the glass; on hardware it is absent and a person looks.
 */
import { expect, it } from 'vitest';
import { isTillqrError } from '../../../src/core/errors.js';
import { createFrame, setPixel, type Frame } from '../../../src/display/frame.js';
import type { Panel } from '../../../src/display/panel.js';
import { PANELS } from '../../../src/display/panels.js';

export interface PanelUnderTest {
  panel: Panel;
  /** What the panel shows now (1 = ink), when it can tell. */
  shown?: () => Uint8Array;
  cleanup?: () => Promise<void>;
}

/** A test card: a border, a diagonal and a block in the middle. */
export function testCard(width: number, height: number, shift = 0): Frame {
  const f = createFrame(width, height);
  for (let x = 0; x < width; x++) {
    setPixel(f, x, 0, 1);
    setPixel(f, x, height - 1, 1);
  }
  for (let y = 0; y < height; y++) {
    setPixel(f, 0, y, 1);
    setPixel(f, width - 1, y, 1);
    setPixel(f, Math.floor((y * width) / height), y, 1);
  }
  const bw = Math.max(8, Math.floor(width / 6));
  const bh = Math.max(8, Math.floor(height / 8));
  for (let y = 0; y < bh; y++) for (let x = 0; x < bw; x++) setPixel(f, Math.floor(width / 3) + x + shift, Math.floor(height / 2) + y, 1);
  return f;
}

function expectShown(put: PanelUnderTest, frame: Frame): void {
  if (put.shown === undefined) return;
  expect(Buffer.from(put.shown()).equals(Buffer.from(frame.data.subarray(0, frame.stride * frame.height)))).toBe(true);
}

export function panelContract(make: () => Promise<PanelUnderTest>, timeoutMs = 60_000): void {
  const withPanel = (fn: (put: PanelUnderTest) => Promise<void>) => async () => {
    const put = await make();
    try {
      await fn(put);
    } finally {
      await put.panel.close();
      await put.cleanup?.();
    }
  };

  it(
    'describes itself as its catalogue entry',
    withPanel(async ({ panel }) => {
      expect(panel.info).toEqual(PANELS[panel.info.id]);
      await Promise.resolve();
    }),
    timeoutMs,
  );

  it(
    'draws a full frame, then a small change, then the first frame again',
    withPanel(async (put) => {
      const { width, height } = put.panel.info;
      const a = testCard(width, height);
      const b = testCard(width, height, 8);
      await put.panel.show(a, 'full');
      expectShown(put, a);
      await put.panel.show(b, 'partial');
      expectShown(put, b);
      await put.panel.show(a, 'full');
      expectShown(put, a);
    }),
    timeoutMs,
  );

  it(
    'wakes from sleep() for the next frame',
    withPanel(async (put) => {
      const { width, height } = put.panel.info;
      await put.panel.show(testCard(width, height), 'full');
      await put.panel.sleep();
      const b = testCard(width, height, 16);
      await put.panel.show(b, 'partial');
      expectShown(put, b);
    }),
    timeoutMs,
  );

  it(
    'refuses a frame of another size with PANEL_FRAME_SIZE, and keeps working',
    withPanel(async (put) => {
      const { width, height } = put.panel.info;
      const err = await put.panel.show(createFrame(width + 8, height), 'full').catch((e: unknown) => e);
      expect(isTillqrError(err, 'PANEL_FRAME_SIZE')).toBe(true);
      const a = testCard(width, height);
      await put.panel.show(a, 'full');
      expectShown(put, a);
    }),
    timeoutMs,
  );

  it(
    'refuses frames after close() with PANEL_IO',
    withPanel(async (put) => {
      const { width, height } = put.panel.info;
      await put.panel.close();
      const err = await put.panel.show(testCard(width, height), 'full').catch((e: unknown) => e);
      expect(isTillqrError(err, 'PANEL_IO')).toBe(true);
    }),
    timeoutMs,
  );
}
