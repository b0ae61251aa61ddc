import { boolean, int, object, oneOf, string } from '../core/schema.js';

const pin = () => int({ min: 0, max: 53, expected: 'a BCM pin number from 0 to 53' });
const HHMM = /^([01][0-9]|2[0-3]):[0-5][0-9]$/;

export const signalConfigSchema = object({
  led: object({
    kind: oneOf(['dual', 'rgb', 'none'] as const).default('dual'),
    green: pin().default(5),
    red: pin().default(6),
    blue: pin().optional(),
    activeLow: boolean().default(false),
  })
    .default({ kind: 'dual', green: 5, red: 6, activeLow: false })
    .restart()
    .doc('Status LED: a green and a red line, or an RGB LED.'),
  buzzer: object({
    kind: oneOf(['active', 'passive', 'none'] as const).default('active'),
    pin: pin().default(13),
    activeLow: boolean().default(false),
    pwmChip: int({ min: 0, max: 16 }).optional(),
    pwmChannel: int({ min: 0, max: 3 }).default(1),
  })
    .default({ kind: 'active', pin: 13, activeLow: false, pwmChannel: 1 })
    .restart()
    .doc('Active buzzer on a GPIO line, or a passive one driven with tones through sysfs PWM.'),
  button: object({
    pin: pin(),
    activeLow: boolean().default(true),
    debounceMs: int({ min: 0, max: 1000 }).default(30),
    longPressMs: int({ min: 300, max: 10_000 }).default(1500),
  })
    .optional()
    .restart()
    .doc('Optional push button: short press cancels the sale or shows the last payment, long press shows status.'),
  volume: oneOf(['on', 'off'] as const).default('on').doc('Buzzer on or off.'),
  ledOnly: boolean().default(false).doc('Signal with the LED only.'),
  quietHours: object({
    start: string({ pattern: HHMM, expected: 'a time as HH:MM' }),
    end: string({ pattern: HHMM, expected: 'a time as HH:MM' }),
  })
    .optional()
    .doc('Local times between which the buzzer stays silent.'),
});
