/**
 * UltraChip UC8179 (sold as GD7965): Waveshare 7.5" V2 (800x480). BUSY is LOW while busy.
 *
 * Full update: the OTP waveform (panel setting 0x1F: KW mode, LUT from OTP), old data (0x10) the
 * inverse of the new, new data (0x13) with 1 = black (VCOM/data interval 0x10 0x07: DDX = 00).
 * Partial update, as the datasheet allows without a custom waveform: the changed window is set
 * with 0x91 (partial in) and 0x90 (partial window, x byte-aligned, end x with its low 3 bits set),
 * its data written, and the same OTP waveform refreshes that window only: the window flashes, the
 * rest of the panel does not change. The panel's OTP has no fast differential waveform, so a
 * window takes about as long as a full refresh. Deep sleep: power off (0x02), then 0x07 with the
 * check code 0xA5. RAM is not relied on across deep sleep.
 *
 * Facts from the UC8179 datasheet and the Waveshare and GxEPD2 (GxEPD2_750_T7) reference drivers.
 */
import type { Level } from '../../signal/gpio.js';
import { PANELS } from '../panels.js';
import { EpaperPanel, type EpaperDeps } from './epaper-base.js';
import { fullWindow, windowBytes, type RamWindow } from './ram-window.js';

export const UC = {
  PANEL_SETTING: 0x00,
  POWER_SETTING: 0x01,
  POWER_OFF: 0x02,
  POWER_ON: 0x04,
  BOOSTER: 0x06,
  DEEP_SLEEP: 0x07,
  DATA_OLD: 0x10,
  REFRESH: 0x12,
  DATA_NEW: 0x13,
  DUAL_SPI: 0x15,
  VCOM_DATA_INTERVAL: 0x50,
  TCON: 0x60,
  RESOLUTION: 0x61,
  PARTIAL_WINDOW: 0x90,
  PARTIAL_IN: 0x91,
  PARTIAL_OUT: 0x92,
} as const;

const DEEP_SLEEP_CHECK = 0xa5;
/** BUSY goes low a moment after PON/DRF: give it time before watching it (as the reference driver does). */
const SETTLE_MS = 100;

export class Uc8179Panel extends EpaperPanel {
  protected readonly busyLevel: Level = 0;

  protected async fullUpdate(ink: Uint8Array): Promise<void> {
    await this.#init();
    const all = fullWindow(this.stride, this.info.height);
    await this.command(UC.DATA_OLD, windowBytes(ink, this.stride, all, true));
    await this.command(UC.DATA_NEW, windowBytes(ink, this.stride, all, false));
    await this.#refresh('full refresh');
  }

  protected async partialUpdate(ink: Uint8Array, _prev: Uint8Array, w: RamWindow): Promise<void> {
    await this.#init();
    const xStart = w.xByte * 8;
    const xEnd = (w.xByte + w.bytes) * 8 - 1;
    const yEnd = w.y + w.rows - 1;
    await this.command(UC.PARTIAL_IN);
    // Last byte 0x01: gates scan inside and outside the window (PT_SCAN).
    await this.command(UC.PARTIAL_WINDOW, [xStart >> 8, xStart & 0xff, xEnd >> 8, xEnd & 0xff, w.y >> 8, w.y & 0xff, yEnd >> 8, yEnd & 0xff, 0x01]);
    await this.command(UC.DATA_OLD, windowBytes(ink, this.stride, w, true));
    await this.command(UC.DATA_NEW, windowBytes(ink, this.stride, w, false));
    await this.#refresh('partial refresh');
    await this.command(UC.PARTIAL_OUT);
  }

  protected async deepSleep(): Promise<void> {
    await this.command(UC.POWER_OFF);
    await this.waitIdle('power off');
    await this.command(UC.DEEP_SLEEP, [DEEP_SLEEP_CHECK]);
  }

  async #init(): Promise<void> {
    const { width, height } = this.info;
    await this.waitIdle('hardware reset');
    await this.command(UC.POWER_SETTING, [0x07, 0x07, 0x3f, 0x3f]); // VGH/VGL 20 V, VDH/VDL 15 V
    await this.command(UC.BOOSTER, [0x27, 0x27, 0x2f, 0x17]);
    await this.command(UC.POWER_ON);
    await this.delay(SETTLE_MS);
    await this.waitIdle('power on');
    await this.command(UC.PANEL_SETTING, [0x1f]); // KW mode, LUT from OTP
    await this.command(UC.RESOLUTION, [width >> 8, width & 0xff, height >> 8, height & 0xff]);
    await this.command(UC.DUAL_SPI, [0x00]);
    await this.command(UC.VCOM_DATA_INTERVAL, [0x10, 0x07]);
    await this.command(UC.TCON, [0x22]);
  }

  async #refresh(what: string): Promise<void> {
    await this.command(UC.REFRESH);
    await this.delay(SETTLE_MS);
    await this.waitIdle(what);
  }
}

export class Waveshare7in5V2 extends Uc8179Panel {
  constructor(deps: EpaperDeps) {
    super(PANELS['waveshare-7in5-v2'], deps);
  }
}
