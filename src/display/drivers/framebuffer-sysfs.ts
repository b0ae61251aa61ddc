/**
 * Finding a Linux framebuffer and its geometry through sysfs: /sys/class/graphics/fbN/{name,
 * virtual_size, bits_per_pixel, stride, blank}. The roots are parameters so tests use a temp tree.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { TillqrError } from '../../core/errors.js';
import type { PanelInfo } from '../panel.js';
import type { FbFormat } from './fb-pixels.js';

export interface FbDevice extends FbFormat {
  readonly index: number;
  readonly name: string;
  /** /dev/fbN (under the dev root). */
  readonly devPath: string;
  /** /sys/class/graphics/fbN (under the sysfs root). */
  readonly sysPath: string;
}

/** Names of HDMI/composite/firmware framebuffers: never an SPI LCD. */
const NOT_AN_LCD = /^(vc4drmfb|simpledrmfb|simple-framebuffer|bcm2708 fb|efifb|vesafb|virtio_gpudrmfb|bochsdrmfb)$/i;
/** fbtft drivers are named fb_<chip>; DRM tiny/mipi-dbi drivers <chip>drmfb. */
const LCD_NAME = /^(fb_[a-z0-9_]+|[a-z0-9_-]+drmfb)$/i;

async function readAttr(sysPath: string, attr: string): Promise<string> {
  try {
    return (await readFile(join(sysPath, attr), 'utf8')).trim();
  } catch (e) {
    throw new TillqrError('PANEL_IO', `cannot read ${join(sysPath, attr)}: ${(e as Error).message}`, { path: join(sysPath, attr) }, { cause: e });
  }
}

function parseIntAttr(value: string, what: string, path: string): number {
  const n = Number.parseInt(value, 10);
  if (!Number.isInteger(n) || n <= 0 || String(n) !== value) throw new TillqrError('PANEL_IO', `${path}: ${what} ${JSON.stringify(value)} is not a positive integer`, { path });
  return n;
}

export async function readFbDevice(index: number, sysfsRoot: string, devRoot: string): Promise<FbDevice> {
  const sysPath = join(sysfsRoot, 'class', 'graphics', `fb${index}`);
  const name = await readAttr(sysPath, 'name');
  const size = await readAttr(sysPath, 'virtual_size');
  const m = /^(\d+),(\d+)$/.exec(size);
  if (!m) throw new TillqrError('PANEL_IO', `${sysPath}/virtual_size: ${JSON.stringify(size)} is not "width,height"`, { path: sysPath });
  const xres = parseIntAttr(m[1] ?? '', 'width', sysPath);
  const yres = parseIntAttr(m[2] ?? '', 'height', sysPath);
  const bitsPerPixel = parseIntAttr(await readAttr(sysPath, 'bits_per_pixel'), 'bits_per_pixel', sysPath);
  const stride = parseIntAttr(await readAttr(sysPath, 'stride'), 'stride', sysPath);
  return { index, name, xres, yres, bitsPerPixel, stride, sysPath, devPath: join(devRoot, `fb${index}`) };
}

export async function listFbDevices(sysfsRoot: string, devRoot: string): Promise<FbDevice[]> {
  let entries: string[];
  try {
    entries = await readdir(join(sysfsRoot, 'class', 'graphics'));
  } catch {
    return [];
  }
  const indexes = entries
    .map((e) => /^fb(\d+)$/.exec(e)?.[1])
    .filter((s): s is string => s !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
  const out: FbDevice[] = [];
  for (const i of indexes) out.push(await readFbDevice(i, sysfsRoot, devRoot));
  return out;
}

const fits = (fb: FbDevice, info: PanelInfo): boolean => fb.xres >= info.width && fb.yres >= info.height;
const exact = (fb: FbDevice, info: PanelInfo): boolean => fb.xres === info.width && fb.yres === info.height;

/**
 * Pick the LCD among the framebuffers: by name (an fbtft `fb_*` or DRM `*drmfb` driver, not the
 * HDMI one), preferring the one whose size is the panel's; failing a name, the only framebuffer of
 * exactly the panel's size. PANEL_NOT_FOUND lists what was seen.
 */
export function pickFbDevice(devices: readonly FbDevice[], info: PanelInfo): FbDevice {
  const named = devices.filter((d) => LCD_NAME.test(d.name) && !NOT_AN_LCD.test(d.name));
  const choice = named.find((d) => exact(d, info)) ?? named.find((d) => fits(d, info)) ?? named[0] ?? singleExact(devices, info);
  if (choice !== undefined) return choice;
  const seen = devices.map((d) => `fb${d.index} "${d.name}" ${d.xres}x${d.yres}`).join(', ') || 'none';
  throw new TillqrError('PANEL_NOT_FOUND', `no framebuffer for ${info.id} (${info.width}x${info.height}); found: ${seen}. Is the LCD overlay loaded (dtoverlay=...) ?`, {
    panel: info.id,
    found: devices.map((d) => ({ index: d.index, name: d.name, xres: d.xres, yres: d.yres })),
  });
}

function singleExact(devices: readonly FbDevice[], info: PanelInfo): FbDevice | undefined {
  const same = devices.filter((d) => exact(d, info) && !NOT_AN_LCD.test(d.name));
  return same.length === 1 ? same[0] : undefined;
}
