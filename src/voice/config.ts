/**
 * Voice config (`voice.*`) and the shop's day (`shop.*`), composed into the device schema in
 * src/config/schema.ts. Every key has a default, so a file without them needs no migration.
 * All voice keys apply live except the engine; quiet hours are the buzzer's (`signal.quietHours`).
 */
import { boolean, int, object, oneOf, string, type Infer } from '../core/schema.js';

const HHMM = /^([01][0-9]|2[0-3]):[0-5][0-9]$/;

export const voiceConfigSchema = object({
  enabled: boolean().default(false).doc('Say each payment aloud (needs a speaker: docs/hardware.md, "Sound"). Applies live.'),
  language: oneOf(['display', 'ja', 'en', 'zh', 'ko'] as const)
    .default('display')
    .doc('Language of the announcements; "display" follows display.language. Applies live.'),
  device: string({
    min: 1,
    max: 128,
    pattern: /^[A-Za-z0-9_:,.=-]+$/,
    expected: 'an ALSA PCM name such as "default", "plughw:1,0" or "hw:CARD=sndrpihifiberry"',
  })
    .default('default')
    .doc('The ALSA PCM aplay plays on ("default", "plughw:0,0", a USB speaker "plughw:CARD=Device"). Applies live.'),
  volume: int({ min: 0, max: 100, expected: 'a volume from 0 to 100' })
    .default(80)
    .doc('Loudness of the announcements in percent of full scale (0 is silent). Applies live.'),
  engine: oneOf(['espeak-ng'] as const)
    .default('espeak-ng')
    .restart()
    .doc('Speech engine (decision 0011): espeak-ng, offline, all four languages.'),
});

export type VoiceConfig = Infer<typeof voiceConfigSchema>;

/** A zone name Intl knows ("Asia/Tokyo"); checked once here so a typo is a config error, not a crash at midnight. */
function knownZone(z: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: z });
    return true;
  } catch {
    return false;
  }
}

export const shopConfigSchema = object({
  dayStartsAt: string({ pattern: HHMM, expected: 'a time as HH:MM' })
    .default('04:00')
    .doc("Local time the shop's day begins: the day's takings start from zero then. Applies live."),
  timeZone: string({ min: 1, max: 64, pattern: /^[A-Za-z0-9_+/-]+$/, expected: 'an IANA time zone such as "Asia/Tokyo"' })
    .refine((z) => (knownZone(z) ? undefined : 'an IANA time zone this system knows, such as "Asia/Tokyo"'))
    .optional()
    .restart()
    .doc("The shop's time zone for the day boundary and quiet hours; absent: the system's (TZ or /etc/localtime)."),
});

export type ShopConfig = Infer<typeof shopConfigSchema>;
