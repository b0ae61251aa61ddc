/**
 * UltraChip UC8179 (sold as GD7965): Waveshare 7.5" V2 (800x480). BUSY is LOW while busy.
 *
 * Full update: the OTP waveform (panel setting 0x1F: KW mode, LUT from OTP), old data (0x10) the
 * inverse of the new, new data (0x13) with 1 = black (VCOM/data interval 0x10 0x07: DDX = 00).
 *
 * Partial update (default, "fast"): the OTP's fast differential waveform, selected by forcing the
 * temperature (0xE0 0x02 = TSFIX, 0xE5 0x6E = 110), with VCOM/data interval 0xA9 0x07 (border
 * floating, copy new to old after the refresh, DDX = 01: data 1 = white); the changed window is set
 * with 0x91 (partial in) and 0x90 (x byte-aligned, end x with its low 3 bits set), then its old data
 * (what the panel shows) and new data are written and refreshed: about half a second, no flashing.
 * The old data is written although N2OCP would keep it, because RAM is not relied on across deep
 * sleep. Panel batches whose OTP lacks that waveform (GxEPD2 notes "earlier batches") take
 * `partialWaveform: 'full'`: the window is refreshed with the full OTP waveform instead (it
 * flashes and takes as long as a full refresh). Deep sleep: 0x50 0xF7, power off (0x02), then 0x07
 * with the check code 0xA5.
 *
 * References: waveshareteam/e-Paper RaspberryPi_JetsonNano/python/lib/waveshare_epd/epd7in5_V2.py
 * (init: booster 0x17 0x17 0x28 0x17; init_part: 0xE0 0x02, 0xE5 0x6E; display_Partial: 0x50 0xA9
 * 0x07, 0x91, 0x90; sleep: 0x50 0xF7, 0x02, 0x07 0xA5) and ZinggJM/GxEPD2
 * src/gdey/GxEPD2_750_GDEY075T7.cpp (_InitDisplay: power setting 0x07 0x07 0x3F 0x3F "same as from
 * OTP", booster 0x17 0x17 0x28 0x17; _Init_Part: useFastPartialUpdateFromOTP 0xE0 0x02 0xE5 0x6E).
 * Waveshare's init writes VDH/VDL 0x28 0x17 where GxEPD2 keeps the OTP's 0x3F 0x3F; this driver
 * keeps the OTP values.
 */
import type { Level } from '../../signal/gpio.js';
import type { PanelInfo } from '../panel.js';
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
  CASCADE_SETTING: 0xe0,
  FORCE_TEMPERATURE: 0xe5,
  TCON: 0x60,
  RESOLUTION: 0x61,
  PARTIAL_WINDOW: 0x90,
  PARTIAL_IN: 0x91,
  PARTIAL_OUT: 0x92,
} as const;

const DEEP_SLEEP_CHECK = 0xa5;
/** 0x50 data: full refresh (DDX 00: 1 = black), fast partial (BDZ, N2OCP, DDX 01: 1 = white), before power off. */
const CDI_FULL = [0x10, 0x07] as const;
const CDI_PARTIAL = [0xa9, 0x07] as const;
const CDI_SLEEP = [0xf7] as const;
/** 0xE0 TSFIX and 0xE5 110: selects the fast partial waveform in OTP. */
const TSFIX = 0x02;
const TEMP_FAST_PARTIAL = 0x6e;

export type Uc8179PartialWaveform = 'fast' | 'full';
/** BUSY goes low a moment after PON/DRF: give it time before watching it (as the reference driver does). */
const SETTLE_MS = 100;

export class Uc8179Panel extends EpaperPanel {
  protected readonly busyLevel: Level = 0;
  readonly partialWaveform: Uc8179PartialWaveform;

  constructor(info: PanelInfo, deps: EpaperDeps) {
    super(info, deps);
    this.partialWaveform = deps.fastPartial === false ? 'full' : 'fast';
  }

  protected async fullUpdate(ink: Uint8Array): Promise<void> {
    await this.#init(CDI_FULL);
    const all = fullWindow(this.stride, this.info.height);
    await this.command(UC.DATA_OLD, windowBytes(ink, this.stride, all, true));
    await this.command(UC.DATA_NEW, windowBytes(ink, this.stride, all, false));
    await this.#refresh('full refresh');
  }

  protected async partialUpdate(ink: Uint8Array, prev: Uint8Array, w: RamWindow): Promise<void> {
    const fast = this.partialWaveform === 'fast';
    await this.#init(fast ? CDI_PARTIAL : CDI_FULL);
    if (fast) {
      await this.command(UC.CASCADE_SETTING, [TSFIX]);
      await this.command(UC.FORCE_TEMPERATURE, [TEMP_FAST_PARTIAL]);
    }
    const xStart = w.xByte * 8;
    const xEnd = (w.xByte + w.bytes) * 8 - 1;
    const yEnd = w.y + w.rows - 1;
    await this.command(UC.PARTIAL_IN);
    // Last byte 0x01: gates scan inside and outside the window (PT_SCAN).
    await this.command(UC.PARTIAL_WINDOW, [xStart >> 8, xStart & 0xff, xEnd >> 8, xEnd & 0xff, w.y >> 8, w.y & 0xff, yEnd >> 8, yEnd & 0xff, 0x01]);
    if (fast) {
      // DDX 01: 1 = white in both planes; old = what the panel shows, for the differential waveform.
      await this.command(UC.DATA_OLD, windowBytes(prev, this.stride, w, true));
      await this.command(UC.DATA_NEW, windowBytes(ink, this.stride, w, true));
    } else {
      await this.command(UC.DATA_OLD, windowBytes(ink, this.stride, w, true));
      await this.command(UC.DATA_NEW, windowBytes(ink, this.stride, w, false));
    }
    await this.#refresh('partial refresh');
    await this.command(UC.PARTIAL_OUT);
  }

  protected async deepSleep(): Promise<void> {
    await this.command(UC.VCOM_DATA_INTERVAL, CDI_SLEEP);
    await this.command(UC.POWER_OFF);
    await this.waitIdle('power off');
    await this.command(UC.DEEP_SLEEP, [DEEP_SLEEP_CHECK]);
  }

  async #init(cdi: readonly number[]): Promise<void> {
    const { width, height } = this.info;
    await this.waitIdle('hardware reset');
    await this.command(UC.POWER_SETTING, [0x07, 0x07, 0x3f, 0x3f]); // VGH/VGL 20 V, VDH/VDL 15 V (as in OTP)
    await this.command(UC.BOOSTER, [0x17, 0x17, 0x28, 0x17]);
    await this.command(UC.POWER_ON);
    await this.delay(SETTLE_MS);
    await this.waitIdle('power on');
    await this.command(UC.PANEL_SETTING, [0x1f]); // KW mode, LUT from OTP
    await this.command(UC.RESOLUTION, [width >> 8, width & 0xff, height >> 8, height & 0xff]);
    await this.command(UC.DUAL_SPI, [0x00]);
    await this.command(UC.VCOM_DATA_INTERVAL, cdi);
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
