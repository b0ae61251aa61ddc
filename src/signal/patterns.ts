/**
 * Signal patterns as data: one per event, a list of timed steps. Each step says what the LED shows
 * and what the buzzer sounds for `ms` milliseconds. A pattern either ends (everything off) or
 * loops back to `loopFrom` until another event pre-empts it. When a pattern ends, LED and buzzer
 * go off.
 *
 * Design rules behind the values: "paid" is the only rising three-note melody and the only
 * pattern holding green for seconds, so a cashier can tell it apart without looking; "failed"
 * uses two long falling low notes with red; waiting/offline/provisioning/updating/fault are silent
 * loops, so the device never nags while nothing happens. "fault" (the panel cannot be opened) is
 * the only pattern alternating red and amber and never lights green, so it cannot pass for
 * "paid" or "waiting".
 */
import { array, int, object, oneOf } from '../core/schema.js';
import type { SignalEvent } from './indicator.js';

export const LED_COLOURS = ['off', 'green', 'red', 'amber'] as const;
export type LedColour = (typeof LED_COLOURS)[number];

export interface PatternStep {
  readonly led: LedColour;
  /** Buzzer tone in Hz; 0 = silent. An active buzzer sounds its own fixed pitch for any tone > 0. */
  readonly hz: number;
  readonly ms: number;
}

export interface Pattern {
  readonly steps: readonly PatternStep[];
  /** When set, after the last step play continues at this step index, until pre-empted. */
  readonly loopFrom?: number;
}

export const stepSchema = object({
  led: oneOf(LED_COLOURS),
  hz: int({ min: 0, max: 20_000 }).refine((hz) => (hz === 0 || hz >= 20 ? undefined : '0 (silent) or a tone from 20 Hz')),
  ms: int({ min: 1, max: 600_000 }),
});

export const patternSchema = object({
  steps: array(stepSchema, { max: 200 }),
  loopFrom: int({ min: 0, max: 199 }).optional(),
}).refine((p) => {
  if (p.loopFrom === undefined) return undefined;
  if (p.loopFrom >= p.steps.length) return 'loopFrom to name one of the steps';
  const loopMs = p.steps.slice(p.loopFrom).reduce((sum, s) => sum + s.ms, 0);
  return loopMs >= 100 ? undefined : 'a loop lasting at least 100 ms';
});

const s = (led: LedColour, hz: number, ms: number): PatternStep => ({ led, hz, ms });

// Notes used below (equal temperament, rounded): C5 523, E5 659, G5 784, C6 1047, E6 1319, G6 1568, C7 2093.
export const PATTERNS: Readonly<Record<SignalEvent, Pattern>> = {
  // A short chirp when the QR appears, then a slow green heartbeat while the customer pays.
  waiting: { steps: [s('green', 1047, 60), s('off', 0, 440), s('green', 0, 120), s('off', 0, 1380)], loopFrom: 2 },
  // Unmistakable: three rising notes, green held for four seconds.
  paid: { steps: [s('green', 1319, 110), s('green', 0, 40), s('green', 1568, 110), s('green', 0, 40), s('green', 2093, 380), s('green', 0, 4000)] },
  // Two long falling low notes with red, red held for three seconds.
  failed: { steps: [s('red', 523, 450), s('red', 0, 150), s('red', 262, 800), s('red', 0, 3000)] },
  // One mid note, amber blinks three times.
  expired: { steps: [s('amber', 784, 250), s('off', 0, 250), s('amber', 0, 250), s('off', 0, 250), s('amber', 0, 250), s('off', 0, 250)] },
  // The cashier cancelled: one short low note, red blinks twice.
  cancelled: { steps: [s('red', 392, 120), s('off', 0, 180), s('red', 0, 300)] },
  // No broker: a short red flash every three seconds, silent.
  offline: { steps: [s('red', 0, 100), s('off', 0, 2900)], loopFrom: 0 },
  // Waiting for Wi-Fi/broker settings: amber blinking steadily, silent.
  provisioning: { steps: [s('amber', 0, 500), s('off', 0, 500)], loopFrom: 0 },
  // Installing an update: amber and green alternating, silent.
  updating: { steps: [s('amber', 0, 700), s('green', 0, 700)], loopFrom: 0 },
  // A technician is needed (no panel): red, amber, red, then dark; silent, repeating.
  fault: { steps: [s('red', 0, 250), s('amber', 0, 250), s('red', 0, 250), s('off', 0, 1250)], loopFrom: 0 },
  // Nothing to say: everything off.
  idle: { steps: [] },
  // Installer check: each colour with a rising note, so LED wiring and buzzer can be checked at once.
  test: { steps: [s('green', 523, 400), s('red', 784, 400), s('amber', 1047, 400), s('off', 2093, 400)] },
};

/** Total duration of the non-looping part, or of one pass for a looping pattern. */
export function patternDurationMs(p: Pattern): number {
  return p.steps.reduce((sum, st) => sum + st.ms, 0);
}
