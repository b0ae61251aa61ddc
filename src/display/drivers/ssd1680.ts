/**
 * SSD1680 panels: Waveshare 2.13" V4 (122x250) and 2.9" V2 (128x296).
 * The 2.13" V4 has both waveforms in OTP (full 0xF7, partial 0xFF). The 2.9" V2 ships without a
 * partial waveform in OTP (GxEPD2 notes this for the Waveshare variant of GDEM029T94), so a
 * partial update loads one with 0x32, with the voltages it was made for (0x3F, 0x03, 0x04, 0x2C),
 * and runs 0xCF (clock and analog on, display mode 2, then off), which does not reload the OTP LUT
 * over it.
 *
 * References: waveshareteam/e-Paper RaspberryPi_JetsonNano/python/lib/waveshare_epd/epd2in13_V4.py
 * (init, TurnOnDisplay 0xF7, TurnOnDisplayPart 0xFF) and epd2in9_V2.py (init, WF_PARTIAL_2IN9 with
 * its trailing EOPT/VGH/VSH1/VSH2/VSL/VCOM bytes, SetLut); ZinggJM/GxEPD2 src/epd/GxEPD2_213_BN.cpp
 * and src/epd/GxEPD2_290_T94_V2.cpp (same init values; writeImageAgain after each refresh).
 */
import { PANELS } from '../panels.js';
import type { EpaperDeps } from './epaper-base.js';
import { Ssd168xPanel, type LoadedWaveform, type Ssd168xProfile } from './ssd168x.js';

/** 0x21: RED RAM normal, source output S8..S167 (the panel's 122/128 sources). */
const SSD1680_CONTROL_1 = [0x00, 0x80] as const;

export const SSD1680_2IN13_V4: Ssd168xProfile = {
  controller: 'SSD1680',
  updateControl1: { full: SSD1680_CONTROL_1, partial: SSD1680_CONTROL_1 },
  sequence: { full: 0xf7, partial: 0xff },
};

/**
 * The 153-byte partial waveform for the 2.9" V2: 5 voltage-selection groups of 12 bytes, 12 timing
 * groups of 7 bytes, then 9 frame-rate bytes. Values of WF_PARTIAL_2IN9 in Waveshare's
 * epd2in9_V2.py (GxEPD2_290_T94_V2.cpp lut_partial differs only in the repeat count of the first
 * timing group, 0x02 instead of 0x01; the voltages below are Waveshare's, so its LUT goes with them).
 */
export const LUT_2IN9_V2_PARTIAL: readonly number[] = Object.freeze(
  buildLut(
    [[0x00, 0x40], [0x80, 0x80], [0x40, 0x40], [0x00, 0x80], []],
    [[0x0a, 0, 0, 0, 0, 0, 0x01], [0x01], [0x01]],
    [0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x00, 0x00, 0x00],
  ),
);

/** The LUT with the 6 bytes that follow it in WF_PARTIAL_2IN9 (epd2in9_V2.py SetLut: lut[153..158]). */
export const WAVEFORM_2IN9_V2_PARTIAL: LoadedWaveform = Object.freeze({
  lut: LUT_2IN9_V2_PARTIAL,
  endOption: 0x22,
  gateVoltage: 0x17,
  sourceVoltage: [0x41, 0xb0, 0x32] as const,
  vcom: 0x36,
});

export const SSD1680_2IN9_V2: Ssd168xProfile = {
  controller: 'SSD1680',
  updateControl1: { full: SSD1680_CONTROL_1, partial: SSD1680_CONTROL_1 },
  sequence: { full: 0xf7, partial: 0xcf },
  partialLut: WAVEFORM_2IN9_V2_PARTIAL,
};

/** Lay out a LUT: each group zero-padded to its width (12 voltage bytes, 7 timing bytes). */
function buildLut(voltages: number[][], timings: number[][], tail: number[]): number[] {
  const pad = (row: number[], n: number): number[] => [...row, ...new Array<number>(n - row.length).fill(0)];
  const v = voltages.flatMap((r) => pad(r, 12));
  const t = pad(
    timings.flatMap((r) => pad(r, 7)),
    12 * 7,
  );
  return [...v, ...t, ...tail];
}

export class Waveshare2in13V4 extends Ssd168xPanel {
  constructor(deps: EpaperDeps) {
    super(PANELS['waveshare-2in13-v4'], SSD1680_2IN13_V4, deps);
  }
}

export class Waveshare2in9V2 extends Ssd168xPanel {
  constructor(deps: EpaperDeps) {
    super(PANELS['waveshare-2in9-v2'], SSD1680_2IN9_V2, deps);
  }
}
