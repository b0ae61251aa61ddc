/**
 * The ports of the voice: a speech engine that turns a phrase into WAV bytes, and a speaker that
 * plays WAV bytes on an audio device. The real ones (espeak-ng, aplay on ALSA) are in drivers/,
 * beside their simulated twins; only src/main.ts (and tests, benchmarks, `tillqr say`) builds them.
 */
import type { VoiceLang } from './money-words.js';

export interface SpeechEngine {
  /** Names the engine and its version: part of the cache key, so an upgrade re-synthesizes. */
  id(): Promise<string>;
  /** The engine's voice for a language (also part of the cache key). */
  voiceFor(lang: VoiceLang): string;
  /** The phrase as a 16-bit PCM WAV. Rejects AUDIO_UNAVAILABLE (not installed) or AUDIO_ENGINE. */
  synthesize(text: string, lang: VoiceLang): Promise<Uint8Array>;
}

export interface PlayOptions {
  /** The ALSA PCM (voice.device). */
  readonly device: string;
  /** Aborted: stop playing now and resolve (a sale's announcement cuts an info phrase short). */
  readonly signal?: AbortSignal;
}

export interface Speaker {
  /** Play the WAV; resolves when it has been played (or was stopped). Rejects AUDIO_DEVICE or AUDIO_UNAVAILABLE. */
  play(wav: Uint8Array, opts: PlayOptions): Promise<void>;
}
