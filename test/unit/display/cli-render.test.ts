/**
 * `tillqr render`: writes the PNG the panel would show (checked by decoding its QR), refuses bad
 * flags with usage errors, and for a payload too large to scan writes the error screen and exits 65.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../../src/cli/render.js';
import { captureIo } from '../../../src/cli/io.js';
import { createFrame, setPixel } from '../../../src/display/frame.js';
import { decodeFrame } from './payloads.js';

const dir = mkdtempSync(join(tmpdir(), 'tillqr-render-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function readPng(path: string): { frame: ReturnType<typeof createFrame>; width: number; height: number; colours: Set<string> } {
  const img = PNG.sync.read(readFileSync(path));
  const frame = createFrame(img.width, img.height);
  const colours = new Set<string>();
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const o = (y * img.width + x) * 4;
      colours.add(`${img.data[o]},${img.data[o + 1]},${img.data[o + 2]}`);
      if ((img.data[o] ?? 0) < 128) setPixel(frame, x, y, 1);
    }
  }
  return { frame, width: img.width, height: img.height, colours };
}

describe('tillqr render', () => {
  it('writes a 1-bit picture of the charge screen, upright for the mounting, whose QR scans', async () => {
    const out = join(dir, 'charge.png');
    const io = captureIo({}, dir);
    const code = await run(
      [
        '--panel',
        'waveshare-2in9-v2',
        '--screen',
        'charge',
        '--amount',
        '12.50',
        '--currency',
        'USD',
        '--qr',
        'https://pay.example/c/42',
        '--lang',
        'en',
        '--rotation',
        '90',
        '--out',
        'charge.png',
      ],
      io,
    );
    expect(code).toBe(0);
    const png = readPng(out);
    expect([png.width, png.height]).toEqual([296, 128]);
    expect([...png.colours].sort()).toEqual(['0,0,0', '255,255,255']);
    expect(decodeFrame(png.frame)).toBe('https://pay.example/c/42');
  });

  it('--native writes the controller orientation; LCD pictures carry the palette', async () => {
    expect(await run(['--panel', 'waveshare-2in13-v4', '--screen', 'idle', '--rotation', '90', '--native', '--out', join(dir, 'n.png')], captureIo())).toBe(0);
    expect([readPng(join(dir, 'n.png')).width, readPng(join(dir, 'n.png')).height]).toEqual([122, 250]);
    expect(await run(['--panel', 'lcd-320x240', '--screen', 'paid', '--out', join(dir, 'lcd.png')], captureIo())).toBe(0);
    // The paid screen's LCD palette: white ink on green paper (lcd-palette.ts).
    expect(readPng(join(dir, 'lcd.png')).colours).toEqual(new Set(['255,255,255', '23,117,58']));
  });

  it('writes the error screen and exits 65 when the QR cannot be drawn scannably', async () => {
    const io = captureIo();
    const code = await run(['--panel', 'waveshare-2in13-v4', '--screen', 'charge', '--qr', 'x'.repeat(900), '--out', join(dir, 'big.png')], io);
    expect(code).toBe(65);
    expect(io.err.join('')).toMatch(/does not fit/);
    expect(decodeFrame(readPng(join(dir, 'big.png')).frame)).toBeUndefined();
  });

  it('refuses unknown panels, screens, languages and rotations with usage errors', async () => {
    for (const argv of [
      ['--panel', 'nope', '--screen', 'idle', '--out', 'x.png'],
      ['--panel', 'lcd-240x240', '--screen', 'dance', '--out', 'x.png'],
      ['--panel', 'lcd-240x240', '--screen', 'idle', '--lang', 'fr', '--out', 'x.png'],
      ['--panel', 'lcd-240x240', '--screen', 'idle', '--rotation', '45', '--out', 'x.png'],
      ['--panel', 'lcd-240x240', '--screen', 'idle'],
    ]) {
      await expect(run(argv, captureIo({}, dir))).rejects.toMatchObject({ code: 'USAGE' });
    }
  });
});
