import { boolean, int, object, oneOf, string, type Infer } from '../core/schema.js';

const pin = () => int({ min: 0, max: 53, expected: 'a BCM pin number from 0 to 53' });
const HHMM = /^([01][0-9]|2[0-3]):[0-5][0-9]$/;

/**
 * Signal config: LED, buzzer, button (restart to apply: they open GPIO lines) and the live keys
 * volume, ledOnly and quietHours (PatternIndicator.applyConfig).
 */
export const signalConfigSchema = object({
  led: object({
    kind: oneOf(['dual', 'rgb', 'none'] as const).default('dual'),
    green: pin().default(5),
    red: pin().default(6),
    blue: pin().optional(),
    activeLow: boolean().default(false),
  })
    .refine((led) => (led.kind === 'rgb' && led.blue === undefined ? 'an RGB LED with its blue pin set (led.blue)' : undefined))
    .default({ kind: 'dual', green: 5, red: 6, activeLow: false })
    .restart()
    .doc('Status LED (BCM pins): a green and a red line (amber = both), or an RGB LED; activeLow when the line sinks the LED current.'),
  buzzer: object({
    kind: oneOf(['active', 'passive', 'none'] as const).default('active'),
    pin: pin().default(13),
    activeLow: boolean().default(false),
    pwmChip: int({ min: 0, max: 16 }).optional(),
    pwmChannel: int({ min: 0, max: 3 }).default(1),
  })
    .default({ kind: 'active', pin: 13, activeLow: false, pwmChannel: 1 })
    .restart()
    .doc(
      'Active buzzer on a GPIO line (BCM pin), or a passive one driven with tones through sysfs PWM (pwmChip found at run time unless set; pwmChannel 1 is BCM 13 on every Pi).',
    ),
  button: object({
    pin: pin(),
    activeLow: boolean().default(true),
    debounceMs: int({ min: 0, max: 1000 }).default(30),
    longPressMs: int({ min: 300, max: 10_000 }).default(1500),
  })
    .optional()
    .restart()
    .doc('Optional push button: short press cancels the sale or shows the last payment, long press shows status.'),
  volume: oneOf(['on', 'low', 'off'] as const)
    .default('on')
    .doc('Buzzer loudness: on, low (passive buzzer: short duty cycle; an active buzzer has one loudness) or off. Applies live.'),
  ledOnly: boolean().default(false).doc('Signal with the LED only (buzzer silent). Applies live.'),
  quietHours: object({
    start: string({ pattern: HHMM, expected: 'a time as HH:MM' }),
    end: string({ pattern: HHMM, expected: 'a time as HH:MM' }),
  })
    .optional()
    .doc('Local times (HH:MM, may cross midnight, end exclusive) between which the buzzer stays silent. Applies live.'),
}).refine((c) => {
  const used: [string, number][] = [];
  if (c.led.kind !== 'none') {
    used.push(['led.green', c.led.green], ['led.red', c.led.red]);
    if (c.led.kind === 'rgb' && c.led.blue !== undefined) used.push(['led.blue', c.led.blue]);
  }
  if (c.buzzer.kind === 'active') used.push(['buzzer.pin', c.buzzer.pin]);
  if (c.button !== undefined) used.push(['button.pin', c.button.pin]);
  for (let i = 0; i < used.length; i++) {
    for (let j = i + 1; j < used.length; j++) {
      const a = used[i];
      const b = used[j];
      if (a !== undefined && b !== undefined && a[1] === b[1])
        return `a signal config with each line on its own pin (${a[0]} and ${b[0]} are both BCM ${a[1]})`;
    }
  }
  return undefined;
});

export type SignalConfig = Infer<typeof signalConfigSchema>;
