/**
 * SSD1680 panels: Waveshare 2.13" V4 (122x250) and 2.9" V2 (128x296).
 * The 2.13" V4 has both waveforms in OTP (full 0xF7, partial 0xFF). The 2.9" V2 ships without a
 * partial waveform in OTP (GxEPD2 notes this for the Waveshare variant of GDEM029T94), so a
 * partial update loads one with 0x32 and runs 0xCF (clock and analog on, display mode 2, then off),
 * which does not reload the OTP LUT over it.
 */
import { PANELS } from '../panels.js';
import type { EpaperDeps } from './epaper-base.js';
import { Ssd168xPanel, type Ssd168xProfile } from './ssd168x.js';

/** 0x21: RED RAM normal, source output S8..S167 (the panel's 122/128 sources). */
const SSD1680_CONTROL_1 = [0x00, 0x80] as const;

export const SSD1680_2IN13_V4: Ssd168xProfile = {
  controller: 'SSD1680',
  updateControl1: { full: SSD1680_CONTROL_1, partial: SSD1680_CONTROL_1 },
  sequence: { full: 0xf7, partial: 0xff },
};

/**
 * The 153-byte partial waveform for the 2.9" V2 (values from the Waveshare/GxEPD2 drivers):
 * 5 voltage-selection groups of 12 bytes, 12 timing groups of 7 bytes, then 9 frame-rate bytes.
 */
export const LUT_2IN9_V2_PARTIAL: readonly number[] = Object.freeze(
  buildLut(
    [
      [0x00, 0x40],
      [0x80, 0x80],
      [0x40, 0x40],
      [0x00, 0x80],
      [],
    ],
    [[0x0a, 0, 0, 0, 0, 0, 0x02], [0x01], [0x01]],
    [0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x00, 0x00, 0x00],
  ),
);

export const SSD1680_2IN9_V2: Ssd168xProfile = {
  controller: 'SSD1680',
  updateControl1: { full: SSD1680_CONTROL_1, partial: SSD1680_CONTROL_1 },
  sequence: { full: 0xf7, partial: 0xcf },
  partialLut: LUT_2IN9_V2_PARTIAL,
};

/** Lay out a LUT: each group zero-padded to its width (12 voltage bytes, 7 timing bytes). */
function buildLut(voltages: number[][], timings: number[][], tail: number[]): number[] {
  const pad = (row: number[], n: number): number[] => [...row, ...new Array<number>(n - row.length).fill(0)];
  const v = voltages.flatMap((r) => pad(r, 12));
  const t = pad(timings.flatMap((r) => pad(r, 7)), 12 * 7);
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
