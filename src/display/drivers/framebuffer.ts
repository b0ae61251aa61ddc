/**
 * LCD panels on a Linux framebuffer (fbtft or DRM fbdev emulation). The device is found through
 * sysfs (`framebuffer-sysfs.ts`), each frame is coloured with its palette into the framebuffer's
 * pixel format (`fb-pixels.ts`) and written with one positioned write at offset 0. `mode` does not
 * matter: an LCD has no ghosting and no partial waveform.
 *
 * No blanking: /sys/class/graphics/fbN/blank is writable by root only, and the FBIOBLANK ioctl on
 * the open device needs a native addon Node.js does not have. The service user (group video) can
 * write the device but not blank it, so `sleep()` leaves the last frame on the glass (an LCD holds
 * it at no cost to the panel). A kernel console blanking an LCD that carries fbcon is prevented in
 * cmdline.txt (`consoleblank=0`, see docs/hardware.md).
 */
import { open, type FileHandle } from 'node:fs/promises';
import { TillqrError, toTillqrError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { Frame } from '../frame.js';
import type { Panel, PanelInfo, RefreshMode } from '../panel.js';
import { DEFAULT_PALETTE, encodeFrame, pixelBytes } from './fb-pixels.js';
import { listFbDevices, pickFbDevice, readFbDevice, type FbDevice } from './framebuffer-sysfs.js';
import { checkFrame } from './frame-check.js';

export interface FramebufferDeps {
  logger: Logger;
  /** 'auto' (find it by name) or a path like '/dev/fb1'. */
  device: string;
  /** Default '/sys'. */
  sysfsRoot?: string;
  /** Default '/dev'. */
  devRoot?: string;
}

export interface FramebufferStats {
  frames: number;
  bytesWritten: number;
  lastFrameBytes: number;
}

export class FramebufferPanel implements Panel {
  readonly info: PanelInfo;
  readonly stats: FramebufferStats = { frames: 0, bytesWritten: 0, lastFrameBytes: 0 };
  readonly #logger: Logger;
  readonly #device: string;
  readonly #sysfsRoot: string;
  readonly #devRoot: string;
  #fb: FbDevice | undefined;
  #fh: FileHandle | undefined;
  #closed = false;

  constructor(info: PanelInfo, deps: FramebufferDeps) {
    if (info.kind !== 'lcd') throw new TillqrError('PANEL_UNKNOWN', `${info.id} is not an LCD panel`, { panel: info.id });
    this.info = info;
    this.#logger = deps.logger;
    this.#device = deps.device;
    this.#sysfsRoot = deps.sysfsRoot ?? '/sys';
    this.#devRoot = deps.devRoot ?? '/dev';
  }

  /** The framebuffer in use (after the first show), for status pages and tests. */
  get device(): FbDevice | undefined {
    return this.#fb;
  }

  /** Find and open the framebuffer now (the panel opener calls this, so a missing LCD is found at start). */
  async open(): Promise<void> {
    this.#checkOpen();
    await this.#open();
  }

  async show(frame: Frame, _mode: RefreshMode): Promise<void> {
    this.#checkOpen();
    checkFrame(this.info, frame);
    const { fb, fh } = await this.#open();
    const bytes = encodeFrame(frame, fb);
    try {
      const { bytesWritten } = await fh.write(bytes, 0, bytes.length, 0);
      if (bytesWritten !== bytes.length) throw new Error(`short write: ${bytesWritten} of ${bytes.length} bytes`);
    } catch (e) {
      throw new TillqrError('PANEL_IO', `cannot write ${fb.devPath}: ${(e as Error).message}`, { path: fb.devPath }, { cause: e });
    }
    this.stats.frames++;
    this.stats.bytesWritten += bytes.length;
    this.stats.lastFrameBytes = bytes.length;
  }

  /** Nothing to do: the LCD keeps the last frame (no blanking, see above). */
  sleep(): Promise<void> {
    this.#checkOpen();
    return Promise.resolve();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const fh = this.#fh;
    this.#fh = undefined;
    await fh?.close();
  }

  async #open(): Promise<{ fb: FbDevice; fh: FileHandle }> {
    if (this.#fb !== undefined && this.#fh !== undefined) return { fb: this.#fb, fh: this.#fh };
    const fb = await this.#find();
    if (fb.xres < this.info.width || fb.yres < this.info.height) {
      throw new TillqrError(
        'PANEL_FRAME_SIZE',
        `${fb.devPath} ("${fb.name}") is ${fb.xres}x${fb.yres}, smaller than ${this.info.id} (${this.info.width}x${this.info.height}); set the overlay's rotate= so its width and height match`,
        { path: fb.devPath, xres: fb.xres, yres: fb.yres, panel: this.info.id },
      );
    }
    pixelBytes(DEFAULT_PALETTE.paper, fb.bitsPerPixel); // rejects an unsupported depth before opening
    let fh: FileHandle;
    try {
      fh = await open(fb.devPath, 'r+');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const hint = code === 'EACCES' ? ' (add the user to the video group)' : '';
      throw new TillqrError(
        code === 'ENOENT' ? 'PANEL_NOT_FOUND' : 'PANEL_IO',
        `cannot open ${fb.devPath}: ${(e as Error).message}${hint}`,
        { path: fb.devPath },
        { cause: e },
      );
    }
    this.#logger.info('framebuffer opened', {
      path: fb.devPath,
      name: fb.name,
      xres: fb.xres,
      yres: fb.yres,
      bitsPerPixel: fb.bitsPerPixel,
      stride: fb.stride,
    });
    this.#fb = fb;
    this.#fh = fh;
    return { fb, fh };
  }

  async #find(): Promise<FbDevice> {
    if (this.#device === 'auto') return pickFbDevice(await listFbDevices(this.#sysfsRoot, this.#devRoot), this.info);
    const m = /^\/dev\/fb(\d+)$/.exec(this.#device);
    if (!m) throw new TillqrError('PANEL_NOT_FOUND', `framebuffer ${JSON.stringify(this.#device)} is not "auto" or /dev/fbN`, { device: this.#device });
    try {
      return await readFbDevice(Number(m[1]), this.#sysfsRoot, this.#devRoot);
    } catch (e) {
      throw new TillqrError('PANEL_NOT_FOUND', `${this.#device} has no sysfs entry: ${toTillqrError(e).message}`, { device: this.#device }, { cause: e });
    }
  }

  #checkOpen(): void {
    if (this.#closed) throw new TillqrError('PANEL_IO', `${this.info.id} is closed`, { panel: this.info.id });
  }
}
