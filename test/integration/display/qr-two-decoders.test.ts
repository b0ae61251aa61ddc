/**
 * The QR of every charge and idle screen, on every panel and mounting, decodes with two
 * independent decoders — jsQR (in process) and ZBar (the real `zbarimg` binary from Debian's
 * zbar-tools) — both from the clean frame and after a camera-like degradation: e-paper contrast
 * (grey ink on grey paper), a 3-5 degree turn, a blur of half a module and sensor noise. The
 * quiet zone, measured on the frame, is at least 4 modules of paper on every side (ISO/IEC
 * 18004; docs/hardware.md "QR quiet zone").
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import jsQRModule from 'jsqr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Screen } from '../../../src/core/screen.js';
import { PANEL_IDS } from '../../../src/display/config.js';
import { getPixel, type Frame } from '../../../src/display/frame.js';
import { PANELS } from '../../../src/display/panels.js';
import { viewOf } from '../../../src/display/render/png.js';
import { QR_QUIET_MODULES } from '../../../src/display/render/qr.js';
import { Renderer } from '../../../src/display/render/renderer.js';
import { sampleScreen } from '../../../src/display/render/samples.js';
import type { Rotation } from '../../../src/display/render/to-frame.js';
import { camera, greyPng, rgbaOf, type Degradation } from './camera.js';

const jsQR = ((jsQRModule as unknown as { default?: typeof jsQRModule }).default ?? jsQRModule) as unknown as typeof jsQRModule.default;
const run = promisify(execFile);
const renderer = new Renderer();
const ROTATIONS: readonly Rotation[] = [0, 90, 180, 270];

interface Shot {
  readonly name: string;
  readonly payload: string;
  readonly file: string;
  readonly jsqr: string | undefined;
}

interface Symbol {
  readonly x: number;
  readonly y: number;
  readonly modules: number;
  readonly module: number;
}

/** The symbol's exact position on a clean upright frame, from jsQR's corners snapped to the ink. */
function locate(f: Frame): Symbol | undefined {
  const grey = new Uint8Array(f.width * f.height);
  for (let y = 0; y < f.height; y++) for (let x = 0; x < f.width; x++) grey[y * f.width + x] = getPixel(f, x, y) === 1 ? 0 : 255;
  const rgba = rgbaOf(f.width, f.height, grey);
  const r = jsQR(rgba, f.width, f.height, { inversionAttempts: 'dontInvert' });
  if (r === null) return undefined;
  const modules = 17 + 4 * r.version;
  const module = Math.round((r.location.topRightCorner.x - r.location.topLeftCorner.x) / modules);
  // The finder pattern's outer corner is ink; step back to where the ink starts.
  let x = Math.round(r.location.topLeftCorner.x);
  let y = Math.round(r.location.topLeftCorner.y);
  while (x > 0 && getPixel(f, x - 1, y + module) === 1) x--;
  while (getPixel(f, x, y + module) === 0 && x < f.width) x++;
  while (y > 0 && getPixel(f, x + module, y - 1) === 1) y--;
  while (getPixel(f, x + module, y) === 0 && y < f.height) y++;
  return { x, y, modules, module };
}

/** Ink pixels in the quiet zone ring (or how far the ring leaves the panel). */
function quietZoneProblems(f: Frame, s: Symbol): string[] {
  const q = QR_QUIET_MODULES * s.module;
  const side = s.modules * s.module;
  const out: string[] = [];
  if (s.x - q < 0 || s.y - q < 0 || s.x + side + q > f.width || s.y + side + q > f.height)
    out.push(`the ${QR_QUIET_MODULES}-module quiet zone leaves the panel`);
  let ink = 0;
  for (let y = Math.max(0, s.y - q); y < Math.min(f.height, s.y + side + q); y++) {
    for (let x = Math.max(0, s.x - q); x < Math.min(f.width, s.x + side + q); x++) {
      const inSymbol = x >= s.x && y >= s.y && x < s.x + side && y < s.y + side;
      if (!inSymbol && getPixel(f, x, y) === 1) ink++;
    }
  }
  if (ink > 0) out.push(`${ink} ink pixels in the quiet zone`);
  return out;
}

describe('QR codes scan with jsQR and ZBar, clean and through a camera', () => {
  let dir = '';
  const shots: Shot[] = [];
  const problems: string[] = [];
  let zbar = new Map<string, string>();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tillqr-scan-'));
    let n = 0;
    for (const id of PANEL_IDS) {
      for (const rotation of ROTATIONS) {
        for (const screen of [sampleScreen('charge', { lang: 'ja' }), sampleScreen('idle', { lang: 'ja' })] as Screen[]) {
          const payload = screen.name === 'charge' || screen.name === 'idle' ? (screen.qr ?? '') : '';
          const name = `${id}@${rotation} ${screen.name}`;
          const upright = viewOf(renderer.render(screen, PANELS[id], rotation, 'ja'), rotation);
          const s = locate(upright);
          if (s === undefined) {
            problems.push(`${name}: jsQR cannot find the QR on the clean frame`);
            continue;
          }
          problems.push(...quietZoneProblems(upright, s).map((p) => `${name}: ${p}`));
          // The camera sees the symbol, its quiet zone and a little of what is around it.
          const margin = (QR_QUIET_MODULES + 2) * s.module;
          const side = s.modules * s.module;
          const region = { x: s.x - margin, y: s.y - margin, w: side + 2 * margin, h: side + 2 * margin };
          const sign = n % 2 === 0 ? 1 : -1;
          const cases: [string, Degradation][] = [
            ['clean', { rotateDeg: 0, blurModules: 0, ink: 0, paper: 255, noise: 0, seed: 1 }],
            ['camera', { rotateDeg: sign * (3 + (n % 3)), blurModules: 0.5, ink: 80, paper: 175, noise: 10, seed: 1000 + n }],
          ];
          for (const [kind, d] of cases) {
            const img = camera(upright, region, s.module, d);
            const file = join(dir, `${n}-${kind}.png`);
            await writeFile(file, greyPng(img.width, img.height, img.grey));
            const jsqr = jsQR(rgbaOf(img.width, img.height, img.grey), img.width, img.height, { inversionAttempts: 'dontInvert' })?.data;
            shots.push({ name: `${name} ${kind}`, payload, file, jsqr });
          }
          n++;
        }
      }
    }
    // One zbarimg run over every picture; its XML names each source.
    const { stdout } = await run('zbarimg', ['--xml', '-q', '-Sdisable', '-Sqrcode.enable', ...shots.map((s) => s.file)], { maxBuffer: 16 << 20 }).catch(
      (e: { stdout?: string }) => ({ stdout: e.stdout ?? '' }),
    );
    zbar = new Map();
    for (const m of stdout.matchAll(/<source href='([^']+)'>([\s\S]*?)<\/source>/g)) {
      const data = /<data><!\[CDATA\[([\s\S]*?)\]\]><\/data>/.exec(m[2] ?? '');
      if (m[1] !== undefined && data?.[1] !== undefined) zbar.set(m[1], data[1]);
    }
  }, 300_000);

  afterAll(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('finds every QR on its clean frame with at least a 4-module quiet zone of paper inside the panel', () => {
    expect(problems).toEqual([]);
    expect(shots).toHaveLength(PANEL_IDS.length * ROTATIONS.length * 2 * 2);
  });

  it('decodes every QR with jsQR, clean and through the camera', () => {
    expect(shots.filter((s) => s.jsqr !== s.payload).map((s) => s.name)).toEqual([]);
  });

  it('decodes every QR with ZBar (zbarimg), clean and through the camera', () => {
    expect(shots.filter((s) => zbar.get(s.file) !== s.payload).map((s) => s.name)).toEqual([]);
  });
});
