/**
 * The voice's live settings from the whole configuration, read at the moment of use: so a
 * changed volume, device, language or quiet hours applies to the next phrase without a restart.
 * Quiet hours are the buzzer's own (`signal.quietHours`, src/signal/quiet-hours.ts): one rule.
 */
import type { Config } from '../config/schema.js';
import { isQuietAt, type LocalMinutes } from '../signal/quiet-hours.js';
import type { AnnouncerSettings } from './announcer.js';
import type { VoiceLang } from './money-words.js';
import { voiceLanguage } from './voice.js';

export function announcerSettings(c: Config, nowMs: number, minutes: LocalMinutes): AnnouncerSettings {
  return { enabled: c.voice.enabled, quiet: isQuietAt(c.signal.quietHours, minutes(nowMs)), device: c.voice.device, volume: c.voice.volume };
}

export function languageOf(c: Config): VoiceLang {
  return voiceLanguage(c.voice.language, c.display.language);
}
