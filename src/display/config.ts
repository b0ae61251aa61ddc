import { boolean, int, object, oneOf } from '../core/schema.js';

export const PANEL_IDS = [
  'waveshare-2in13-v4',
  'waveshare-2in9-v2',
  'waveshare-4in2-v2',
  'waveshare-7in5-v2',
  'lcd-240x240',
  'lcd-320x240',
  'lcd-480x320',
] as const;
export type PanelId = (typeof PANEL_IDS)[number];

export const displayConfigSchema = object({
  panel: oneOf(PANEL_IDS).default('waveshare-2in9-v2').restart().doc('Which panel is fitted.'),
  rotation: oneOf([0, 90, 180, 270] as const)
    .default(0)
    .doc('How the panel is mounted, in degrees clockwise.'),
  language: oneOf(['ja', 'en', 'zh', 'ko'] as const)
    .default('ja')
    .doc('Main language of the screens; the charge screen always adds the others.'),
  secondLanguage: oneOf(['ja', 'en', 'zh', 'ko', 'none'] as const)
    .default('en')
    .doc(
      'Second language of the result, idle, error and system screens, under the main one; "none" for the main language only. When it is the main language, the next of ja, en, zh, ko is used.',
    ),
  lcdColour: boolean()
    .default(true)
    .doc(
      'LCD panels: colour each screen (paid on green, failed and errors on red, expired amber, offline grey; QR screens near-black on white); false for black on white. E-paper is always black and white.',
    ),
  partialRefreshLimit: int({ min: 0, max: 100 }).default(10).doc('E-paper: full refresh after this many partial refreshes, to clear ghosting.'),
  fastPartial: boolean()
    .default(true)
    .restart()
    .doc(
      'E-paper 7.5" V2: partial refreshes with the fast partial waveform in the panel\'s OTP (about 0.5 s, no flash); false for panel batches without it: the changed window is then refreshed with the full waveform (it flashes, as long as a full refresh).',
    ),
  countdownStepSec: int({ min: 1, max: 300 }).default(15).doc('How often the countdown on the charge screen is redrawn.'),
  spi: object({
    bus: int({ min: 0, max: 6 }).default(0),
    device: int({ min: 0, max: 3 }).default(0),
    speedHz: int({ min: 1_000_000, max: 20_000_000 }).default(4_000_000),
  })
    .default({ bus: 0, device: 0, speedHz: 4_000_000 })
    .restart()
    .doc('SPI bus for e-paper panels.'),
  pins: object({
    rst: int({ min: 0, max: 53 }).default(17),
    dc: int({ min: 0, max: 53 }).default(25),
    busy: int({ min: 0, max: 53 }).default(24),
    pwr: int({ min: 0, max: 53 }).optional(),
  })
    .default({ rst: 17, dc: 25, busy: 24, pwr: 18 })
    .restart()
    .doc(
      'BCM pin numbers of the e-paper control lines (Waveshare HAT defaults; pwr is the power switch of newer HATs, driven high while running; leave it out for none).',
    ),
  busyTimeoutMs: int({ min: 1000, max: 120_000 }).default(30_000).doc('How long to wait for the panel BUSY line.'),
  framebuffer: oneOf(['auto', '/dev/fb0', '/dev/fb1', '/dev/fb2']).default('auto').restart().doc('LCD panels: which framebuffer; auto finds it by name.'),
});
