/**
 * Finding a Linux framebuffer and its geometry through sysfs: /sys/class/graphics/fbN/{name,
 * virtual_size, bits_per_pixel, stride} (read-only for everyone; nothing here is written). The roots are parameters so tests use a temp tree.
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

/**
 * What a framebuffer's `name` says about it. fb_fix_screeninfo.id is 16 bytes with the NUL, so a
 * name is at most 15 characters:
 * - DRM drivers' fbdev emulation is named "<driver>drmfb", cut to 15 (drm_fb_helper_fill_info in
 *   raspberrypi/linux drivers/gpu/drm/drm_fb_helper.c): panel-mipi-dbi shows as "panel-mipi-dbid",
 *   ili9341 as "ili9341drmfb", vc4 (HDMI, DSI and DPI panels on a Pi 0-4) as "vc4drmfb", the Pi 5's
 *   RP1 DPI/DSI as "drm-rp1-dpidrmf"/"drm-rp1-dsidrmf", simpledrm as "simpledrmdrmfb";
 * - fbtft drivers use their driver name, "fb_<chip>" (drivers/staging/fbtft/fbtft-core.c);
 * - the firmware framebuffer is "BCM2708 FB", simplefb "simple", efifb "EFI VGA", vesafb "VESA VGA".
 * panel-sitronix-st7789v is a DRM panel for a parallel (DPI) bus, not an SPI framebuffer: its
 * picture goes through vc4 or RP1 DPI, which are never taken for the LCD.
 */
export function drmFbName(driver: string): string {
  return `${driver}drmfb`.slice(0, 15);
}

/** SPI LCD drivers: DRM panel-mipi-dbi and the tiny mipi-dbi drivers (drivers/gpu/drm/tiny). */
const SPI_DRM_DRIVERS = ['panel-mipi-dbi', 'ili9341', 'ili9486', 'ili9225', 'ili9163', 'st7735r', 'st7586', 'mi0283qt', 'hx8357d'] as const;
const SPI_DRM_NAMES = new Set<string>(SPI_DRM_DRIVERS.map(drmFbName));
/** HDMI, DSI, DPI, composite and firmware framebuffers: never the SPI LCD. */
const NOT_AN_LCD = new Set<string>([
  ...['vc4', 'simpledrm', 'drm-rp1-dpi', 'drm-rp1-dsi', 'drm-rp1-vec', 'virtio_gpu', 'bochs'].map(drmFbName),
  'BCM2708 FB',
  'simple',
  'EFI VGA',
  'VESA VGA',
]);

/** Named like an SPI LCD: an fbtft driver or a known SPI DRM driver. */
export function isSpiLcdName(name: string): boolean {
  return /^fb_[a-z0-9_]+$/i.test(name) || SPI_DRM_NAMES.has(name);
}

/** Named like a display that is not the SPI LCD. */
export function isNotAnLcdName(name: string): boolean {
  return NOT_AN_LCD.has(name);
}

async function readAttr(sysPath: string, attr: string): Promise<string> {
  try {
    return (await readFile(join(sysPath, attr), 'utf8')).trim();
  } catch (e) {
    throw new TillqrError('PANEL_IO', `cannot read ${join(sysPath, attr)}: ${(e as Error).message}`, { path: join(sysPath, attr) }, { cause: e });
  }
}

function parseIntAttr(value: string, what: string, path: string): number {
  const n = Number.parseInt(value, 10);
  if (!Number.isInteger(n) || n <= 0 || String(n) !== value)
    throw new TillqrError('PANEL_IO', `${path}: ${what} ${JSON.stringify(value)} is not a positive integer`, { path });
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
 * Pick the LCD among the framebuffers: by name (an fbtft `fb_*` or a known SPI DRM driver),
 * preferring the one whose size is the panel's; failing a name, the only framebuffer of exactly
 * the panel's size whose name is not a known HDMI/DSI/DPI/firmware one. PANEL_NOT_FOUND lists what
 * was seen.
 */
export function pickFbDevice(devices: readonly FbDevice[], info: PanelInfo): FbDevice {
  const named = devices.filter((d) => isSpiLcdName(d.name));
  const choice = named.find((d) => exact(d, info)) ?? named.find((d) => fits(d, info)) ?? named[0] ?? singleExact(devices, info);
  if (choice !== undefined) return choice;
  const seen = devices.map((d) => `fb${d.index} "${d.name}" ${d.xres}x${d.yres}`).join(', ') || 'none';
  throw new TillqrError(
    'PANEL_NOT_FOUND',
    `no framebuffer for ${info.id} (${info.width}x${info.height}); found: ${seen}. Is the LCD overlay loaded (dtoverlay=...) ?`,
    {
      panel: info.id,
      found: devices.map((d) => ({ index: d.index, name: d.name, xres: d.xres, yres: d.yres })),
    },
  );
}

function singleExact(devices: readonly FbDevice[], info: PanelInfo): FbDevice | undefined {
  const same = devices.filter((d) => exact(d, info) && !isNotAnLcdName(d.name));
  return same.length === 1 ? same[0] : undefined;
}
