import { describe, expect, it } from 'vitest';
import { isTillqrError } from '../../../../src/core/errors.js';
import { encodeFrame, pixelBytes } from '../../../../src/display/drivers/fb-pixels.js';
import { pickFbDevice, type FbDevice } from '../../../../src/display/drivers/framebuffer-sysfs.js';
import { createFrame, setPixel } from '../../../../src/display/frame.js';
import { PANELS } from '../../../../src/display/panels.js';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('framebuffer pixels', () => {
  it('encodes RGB565, BGR888 and XRGB8888 little-endian', () => {
    const orange = { r: 0xff, g: 0x80, b: 0x10 };
    // RGB565: r 11111, g 100000, b 00010 -> 0xFC02
    expect(Array.from(pixelBytes(orange, 16))).toEqual([0x02, 0xfc]);
    expect(Array.from(pixelBytes(orange, 24))).toEqual([0x10, 0x80, 0xff]);
    expect(Array.from(pixelBytes(orange, 32))).toEqual([0x10, 0x80, 0xff, 0xff]);
    expect(
      isTillqrError(
        thrown(() => pixelBytes(orange, 8)),
        'PANEL_IO',
      ),
    ).toBe(true);
  });

  it('places the frame top-left and paints the rest paper', () => {
    const f = createFrame(3, 2);
    setPixel(f, 1, 0, 1);
    setPixel(f, 2, 1, 1);
    const out = encodeFrame(f, { xres: 4, yres: 3, bitsPerPixel: 16, stride: 10 });
    const W = [0xff, 0xff];
    const K = [0x00, 0x00];
    expect(Array.from(out)).toEqual([...W, ...K, ...W, ...W, 0, 0, ...W, ...W, ...K, ...W, 0, 0, ...W, ...W, ...W, ...W, 0, 0]);
  });
});

describe('pickFbDevice', () => {
  const fb = (index: number, name: string, xres: number, yres: number): FbDevice => ({
    index,
    name,
    xres,
    yres,
    bitsPerPixel: 16,
    stride: xres * 2,
    devPath: `/dev/fb${index}`,
    sysPath: `/sys/class/graphics/fb${index}`,
  });
  const info = PANELS['lcd-320x240'];

  it('prefers an LCD driver name of the panel size over HDMI and other LCDs', () => {
    expect(pickFbDevice([fb(0, 'vc4drmfb', 320, 240), fb(1, 'fb_st7735r', 160, 128), fb(2, 'mi0283qtdrmfb', 320, 240)], info).index).toBe(2);
  });

  it('falls back to the only non-HDMI framebuffer of exactly the panel size', () => {
    expect(pickFbDevice([fb(0, 'vc4drmfb', 1920, 1080), fb(1, 'some panel', 320, 240)], info).index).toBe(1);
  });

  it('throws PANEL_NOT_FOUND when nothing fits', () => {
    expect(() => pickFbDevice([fb(0, 'vc4drmfb', 320, 240)], info)).toThrow(/no framebuffer for lcd-320x240/);
  });
});
