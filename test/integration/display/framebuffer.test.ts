import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isTillqrError, type TillqrError } from '../../../src/core/errors.js';
import { silentLogger } from '../../../src/core/logger.js';
import { FramebufferPanel } from '../../../src/display/drivers/framebuffer.js';
import { createFrame, getPixel, setPixel, type Frame } from '../../../src/display/frame.js';
import { PANELS } from '../../../src/display/panels.js';

interface FakeFb {
  name: string;
  xres: number;
  yres: number;
  bpp: number;
  stride: number;
  /** Size of the /dev file (defaults to stride * yres). */
  devBytes?: number;
}

/** A fake sysfs + /dev tree: sys/class/graphics/fbN/{name,virtual_size,bits_per_pixel,stride,blank}, dev/fbN. */
async function fakeTree(fbs: FakeFb[]): Promise<{ sys: string; dev: string }> {
  const root = await mkdtemp(join(tmpdir(), 'tillqr-fb-'));
  const sys = join(root, 'sys');
  const dev = join(root, 'dev');
  await mkdir(dev, { recursive: true });
  for (const [i, fb] of fbs.entries()) {
    const dir = join(sys, 'class', 'graphics', `fb${i}`);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'name'), `${fb.name}\n`);
    await writeFile(join(dir, 'virtual_size'), `${fb.xres},${fb.yres}\n`);
    await writeFile(join(dir, 'bits_per_pixel'), `${fb.bpp}\n`);
    await writeFile(join(dir, 'stride'), `${fb.stride}\n`);
    await writeFile(join(dir, 'blank'), '1\n');
    await writeFile(join(dev, `fb${i}`), Buffer.alloc(fb.devBytes ?? fb.stride * fb.yres, 0xaa));
  }
  return { sys, dev };
}

const HDMI: FakeFb = { name: 'vc4drmfb', xres: 1920, yres: 1080, bpp: 32, stride: 7680 };

function testFrame(w: number, h: number): Frame {
  const f = createFrame(w, h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if ((x * 7 + y * 3) % 5 === 0 || x === y) setPixel(f, x, y, 1);
  return f;
}

describe('FramebufferPanel against a fake sysfs tree', () => {
  it('finds the SPI LCD by name and writes RGB565 byte for byte', async () => {
    const { sys, dev } = await fakeTree([HDMI, { name: 'fb_ili9341', xres: 320, yres: 240, bpp: 16, stride: 640, devBytes: 640 * 240 + 100 }]);
    const panel = new FramebufferPanel(PANELS['lcd-320x240'], { logger: silentLogger, device: 'auto', sysfsRoot: sys, devRoot: dev });
    const frame = testFrame(320, 240);
    await panel.show(frame, 'full');
    expect(panel.device?.devPath).toBe(join(dev, 'fb1'));
    const out = await readFile(join(dev, 'fb1'));
    const expected = Buffer.alloc(640 * 240);
    for (let y = 0; y < 240; y++) for (let x = 0; x < 320; x++) expected.writeUInt16LE(getPixel(frame, x, y) ? 0x0000 : 0xffff, y * 640 + x * 2);
    expect(out.subarray(0, 640 * 240).equals(expected)).toBe(true);
    expect(out.subarray(640 * 240).equals(Buffer.alloc(100, 0xaa))).toBe(true); // a positioned write: nothing truncated
    expect((await readFile(join(dev, 'fb0'))).every((b) => b === 0xaa)).toBe(true); // HDMI untouched
    await panel.close();
  });

  it('colours with the frame palette in 32 bpp XRGB8888 and leaves the stride padding clear', async () => {
    const { sys, dev } = await fakeTree([{ name: 'st7789vdrmfb', xres: 240, yres: 240, bpp: 32, stride: 1024 }]);
    const panel = new FramebufferPanel(PANELS['lcd-240x240'], { logger: silentLogger, device: 'auto', sysfsRoot: sys, devRoot: dev });
    const frame: Frame = { ...testFrame(240, 240), palette: { ink: { r: 0x12, g: 0x34, b: 0x56 }, paper: { r: 0xfe, g: 0xdc, b: 0xba } } };
    await panel.show(frame, 'partial');
    const out = await readFile(join(dev, 'fb0'));
    for (const [x, y] of [
      [0, 0],
      [1, 0],
      [5, 0],
      [239, 239],
      [100, 37],
    ] as const) {
      const px = Array.from(out.subarray(y * 1024 + x * 4, y * 1024 + x * 4 + 4));
      expect(px).toEqual(getPixel(frame, x, y) ? [0x56, 0x34, 0x12, 0xff] : [0xba, 0xdc, 0xfe, 0xff]);
    }
    expect(out.subarray(960, 1024).every((b) => b === 0)).toBe(true);
    expect(panel.stats).toMatchObject({ frames: 1, lastFrameBytes: 1024 * 240 });
  });

  it('never writes sysfs blank (root-only): sleep keeps the last frame and the next frame is written', async () => {
    const { sys, dev } = await fakeTree([{ name: 'fb_ili9486', xres: 480, yres: 320, bpp: 16, stride: 960 }]);
    const panel = new FramebufferPanel(PANELS['lcd-480x320'], { logger: silentLogger, device: '/dev/fb0', sysfsRoot: sys, devRoot: dev });
    const blank = () => readFile(join(sys, 'class/graphics/fb0/blank'), 'utf8');
    await panel.show(testFrame(480, 320), 'full');
    await panel.sleep();
    await panel.show(createFrame(480, 320), 'full');
    expect(await blank()).toBe('1\n'); // untouched
    expect((await readFile(join(dev, 'fb0'))).every((b) => b === 0xff)).toBe(true); // all paper (white)
  });

  it('says which framebuffers it saw when none is an LCD', async () => {
    const { sys, dev } = await fakeTree([HDMI]);
    const panel = new FramebufferPanel(PANELS['lcd-320x240'], { logger: silentLogger, device: 'auto', sysfsRoot: sys, devRoot: dev });
    const err = (await panel.show(testFrame(320, 240), 'full').catch((e: unknown) => e)) as TillqrError;
    expect(isTillqrError(err, 'PANEL_NOT_FOUND')).toBe(true);
    expect(err.message).toContain('fb0 "vc4drmfb" 1920x1080');
  });

  it('refuses a framebuffer smaller than the panel (rotated overlay) and an unsupported depth', async () => {
    const rotated = await fakeTree([{ name: 'fb_ili9341', xres: 240, yres: 320, bpp: 16, stride: 480 }]);
    const p1 = new FramebufferPanel(PANELS['lcd-320x240'], { logger: silentLogger, device: 'auto', sysfsRoot: rotated.sys, devRoot: rotated.dev });
    const e1 = (await p1.show(testFrame(320, 240), 'full').catch((e: unknown) => e)) as TillqrError;
    expect(isTillqrError(e1, 'PANEL_FRAME_SIZE')).toBe(true);
    expect(e1.message).toMatch(/rotate/);
    const mono = await fakeTree([{ name: 'fb_st7735r', xres: 320, yres: 240, bpp: 8, stride: 320 }]);
    const p2 = new FramebufferPanel(PANELS['lcd-320x240'], { logger: silentLogger, device: 'auto', sysfsRoot: mono.sys, devRoot: mono.dev });
    const e2 = (await p2.show(testFrame(320, 240), 'full').catch((e: unknown) => e)) as TillqrError;
    expect(isTillqrError(e2, 'PANEL_IO')).toBe(true);
    expect((await readFile(join(mono.dev, 'fb0'))).every((b) => b === 0xaa)).toBe(true);
  });

  it('reports a missing explicit device and a frame of the wrong size', async () => {
    const { sys, dev } = await fakeTree([{ name: 'fb_ili9341', xres: 320, yres: 240, bpp: 16, stride: 640 }]);
    const missing = new FramebufferPanel(PANELS['lcd-320x240'], { logger: silentLogger, device: '/dev/fb3', sysfsRoot: sys, devRoot: dev });
    expect(isTillqrError(await missing.show(testFrame(320, 240), 'full').catch((e: unknown) => e), 'PANEL_NOT_FOUND')).toBe(true);
    const panel = new FramebufferPanel(PANELS['lcd-320x240'], { logger: silentLogger, device: 'auto', sysfsRoot: sys, devRoot: dev });
    expect(isTillqrError(await panel.show(testFrame(240, 240), 'full').catch((e: unknown) => e), 'PANEL_FRAME_SIZE')).toBe(true);
  });
});
