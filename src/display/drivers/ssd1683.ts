/**
 * SSD1683 panel: Waveshare 4.2" V2 (400x300). Two RAM planes: a full refresh reads only the BW
 * plane (0x21 A = 0x40: RED RAM bypassed as 0), a partial refresh compares BW against RED
 * (0x21 A = 0x00). Both waveforms are in OTP (full 0xF7, partial 0xFF).
 */
import { PANELS } from '../panels.js';
import type { EpaperDeps } from './epaper-base.js';
import { Ssd168xPanel, type Ssd168xProfile } from './ssd168x.js';

export const SSD1683_4IN2_V2: Ssd168xProfile = {
  controller: 'SSD1683',
  updateControl1: { full: [0x40, 0x00], partial: [0x00, 0x00] },
  sequence: { full: 0xf7, partial: 0xff },
};

export class Waveshare4in2V2 extends Ssd168xPanel {
  constructor(deps: EpaperDeps) {
    super(PANELS['waveshare-4in2-v2'], SSD1683_4IN2_V2, deps);
  }
}
