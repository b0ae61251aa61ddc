/**
 * Solomon Systech SSD1680 / SSD1683 e-paper controllers (Waveshare 2.13" V4, 2.9" V2, 4.2" V2).
 * Both have two RAM planes: 0x24 "BW" (the new image) and 0x26 "RED" (on black/white panels: the
 * previous image, against which a partial refresh drives only the pixels that change). RAM bit
 * 1 is white, so ink frames are inverted on the way out. BUSY is high while busy.
 *
 * Every update starts from a hardware reset (the way out of deep sleep) and a software reset;
 * RAM survives both (deep sleep mode 1 retains it).
 *
 * Invariant: after every update both planes hold what the panel shows. The differential partial
 * waveform drives every pixel whose 0x24 bit differs from its 0x26 bit, over the whole panel and
 * not only the RAM window, so a stale 0x26 anywhere makes later partials drive those pixels again
 * (over-driving, DC imbalance, ghosting). A full update writes the frame to both planes and runs
 * the OTP full waveform. A partial update writes the changed window of the new image into 0x24,
 * runs the partial ("display mode 2") waveform, from OTP or, on panels whose OTP has none, from a
 * LUT loaded with 0x32 together with its gate/source voltages and VCOM, then writes the same
 * window into 0x26, so the planes are equal again (GxEPD2's writeImageAgain: "set current and
 * previous buffers equal", ZinggJM/GxEPD2 src/epd/GxEPD2_290_T94_V2.h and GxEPD2_213_BN.cpp).
 *
 * Facts (command numbers, parameters, option bytes) from the SSD1680/SSD1683 datasheets and the
 * Waveshare (waveshareteam/e-Paper RaspberryPi_JetsonNano/python/lib/waveshare_epd/epd2in13_V4.py,
 * epd2in9_V2.py, epd4in2_V2.py) and GxEPD2 (src/epd/GxEPD2_213_BN.cpp, GxEPD2_290_T94_V2.cpp,
 * src/gdey/GxEPD2_420_GDEY042T81.cpp) reference drivers.
 */
import type { Level } from '../../signal/gpio.js';
import type { PanelInfo } from '../panel.js';
import { EpaperPanel, type EpaperDeps } from './epaper-base.js';
import { fullWindow, windowBytes, type RamWindow } from './ram-window.js';

export const SSD = {
  DRIVER_OUTPUT: 0x01,
  DEEP_SLEEP: 0x10,
  DATA_ENTRY: 0x11,
  SW_RESET: 0x12,
  TEMP_SENSOR: 0x18,
  MASTER_ACTIVATION: 0x20,
  UPDATE_CONTROL_1: 0x21,
  UPDATE_CONTROL_2: 0x22,
  WRITE_BW: 0x24,
  WRITE_RED: 0x26,
  GATE_VOLTAGE: 0x03,
  SOURCE_VOLTAGE: 0x04,
  WRITE_VCOM: 0x2c,
  WRITE_LUT: 0x32,
  END_OPTION: 0x3f,
  BORDER: 0x3c,
  RAM_X_RANGE: 0x44,
  RAM_Y_RANGE: 0x45,
  RAM_X_COUNTER: 0x4e,
  RAM_Y_COUNTER: 0x4f,
} as const;

export interface Ssd168xProfile {
  readonly controller: 'SSD1680' | 'SSD1683';
  /** Data of 0x21 (Display Update Control 1) for full and partial updates. */
  readonly updateControl1: { readonly full: readonly number[]; readonly partial: readonly number[] };
  /** 0x22 (Display Update Control 2) option byte for full and partial updates. */
  readonly sequence: { readonly full: number; readonly partial: number };
  /** Partial waveform (153 bytes for 0x32) when the panel's OTP has none, with the voltages it was made for. */
  readonly partialLut?: LoadedWaveform;
}

/** A RAM waveform and the voltages that go with it: without them it runs on power-on defaults. */
export interface LoadedWaveform {
  readonly lut: readonly number[];
  /** 0x3F: end option (EOPT). */
  readonly endOption: number;
  /** 0x03: gate driving voltage (VGH). */
  readonly gateVoltage: number;
  /** 0x04: source driving voltages VSH1, VSH2, VSL. */
  readonly sourceVoltage: readonly [number, number, number];
  /** 0x2C: VCOM. */
  readonly vcom: number;
}

/** Border waveform (0x3C): follow the LUT on a full refresh, hold it (VCOM) on a partial one. */
const BORDER_FULL = 0x05;
const BORDER_PARTIAL = 0x80;
/** Data entry mode: X then Y increment, X first. */
const ENTRY_XY_INC = 0x03;
/** Deep sleep mode 1: RAM retained. */
const DEEP_SLEEP_MODE_1 = 0x01;
/** Temperature from the built-in sensor. */
const INTERNAL_SENSOR = 0x80;

export class Ssd168xPanel extends EpaperPanel {
  protected readonly busyLevel: Level = 1;
  readonly profile: Ssd168xProfile;

  constructor(info: PanelInfo, profile: Ssd168xProfile, deps: EpaperDeps) {
    super(info, deps);
    this.profile = profile;
  }

  protected async fullUpdate(ink: Uint8Array): Promise<void> {
    await this.#init(BORDER_FULL, this.profile.updateControl1.full);
    const all = fullWindow(this.stride, this.info.height);
    await this.#writeRam(SSD.WRITE_BW, ink, all);
    await this.#writeRam(SSD.WRITE_RED, ink, all);
    await this.#refresh(this.profile.sequence.full, 'full refresh');
  }

  protected async partialUpdate(ink: Uint8Array, _prev: Uint8Array, w: RamWindow): Promise<void> {
    // 0x26 already holds the previous image everywhere (the invariant above): only the new window is sent.
    await this.#init(BORDER_PARTIAL, this.profile.updateControl1.partial);
    const wf = this.profile.partialLut;
    if (wf !== undefined) {
      // Waveshare epd2in9_V2.py SetLut(): the LUT, then EOPT, VGH, VSH1/VSH2/VSL and VCOM.
      await this.command(SSD.WRITE_LUT, wf.lut);
      await this.command(SSD.END_OPTION, [wf.endOption]);
      await this.command(SSD.GATE_VOLTAGE, [wf.gateVoltage]);
      await this.command(SSD.SOURCE_VOLTAGE, wf.sourceVoltage);
      await this.command(SSD.WRITE_VCOM, [wf.vcom]);
    }
    await this.#writeRam(SSD.WRITE_BW, ink, w);
    await this.#refresh(this.profile.sequence.partial, 'partial refresh');
    // Previous image = what the panel now shows, so the next partial drives only its own changes.
    await this.#writeRam(SSD.WRITE_RED, ink, w);
  }

  protected async deepSleep(): Promise<void> {
    // BUSY stays high in deep sleep: nothing to wait for.
    await this.command(SSD.DEEP_SLEEP, [DEEP_SLEEP_MODE_1]);
  }

  async #init(border: number, control1: readonly number[]): Promise<void> {
    const gates = this.info.height - 1;
    await this.waitIdle('hardware reset');
    await this.command(SSD.SW_RESET);
    await this.waitIdle('software reset');
    await this.command(SSD.DRIVER_OUTPUT, [gates & 0xff, gates >> 8, 0x00]);
    await this.command(SSD.DATA_ENTRY, [ENTRY_XY_INC]);
    await this.command(SSD.BORDER, [border]);
    await this.command(SSD.UPDATE_CONTROL_1, control1);
    await this.command(SSD.TEMP_SENSOR, [INTERNAL_SENSOR]);
  }

  /** Set the RAM window and address counter, then stream the window's bytes (inverted: RAM 1 = white). */
  async #writeRam(plane: number, ink: Uint8Array, w: RamWindow): Promise<void> {
    const yEnd = w.y + w.rows - 1;
    await this.command(SSD.RAM_X_RANGE, [w.xByte, w.xByte + w.bytes - 1]);
    await this.command(SSD.RAM_Y_RANGE, [w.y & 0xff, w.y >> 8, yEnd & 0xff, yEnd >> 8]);
    await this.command(SSD.RAM_X_COUNTER, [w.xByte]);
    await this.command(SSD.RAM_Y_COUNTER, [w.y & 0xff, w.y >> 8]);
    await this.command(plane, windowBytes(ink, this.stride, w, true));
  }

  async #refresh(option: number, what: string): Promise<void> {
    await this.command(SSD.UPDATE_CONTROL_2, [option]);
    await this.command(SSD.MASTER_ACTIVATION);
    await this.waitIdle(what);
  }
}
