/**
 * The simulated speech engine: a tone whose length follows the phrase (80 ms a character, at
 * least 200 ms), so queue tests see long and short phrases without a child process. Scriptable:
 * `fail(code)` makes the next syntheses fail as the real engine would; `calls` records each one.
 */
import { TillqrError, type ErrorCode } from '../../core/errors.js';
import type { SpeechEngine } from '../engine.js';
import type { VoiceLang } from '../money-words.js';
import { tone } from '../wav.js';

export class SimEngine implements SpeechEngine {
  readonly calls: { text: string; lang: VoiceLang }[] = [];
  #failing: ErrorCode | undefined;

  id(): Promise<string> {
    return Promise.resolve('sim-engine 1');
  }

  voiceFor(lang: VoiceLang): string {
    return `sim-${lang}`;
  }

  /** Seconds the phrase lasts when played. */
  static secondsFor(text: string): number {
    return Math.max(0.2, [...text].length * 0.08);
  }

  fail(code: ErrorCode | undefined): void {
    this.#failing = code;
  }

  synthesize(text: string, lang: VoiceLang): Promise<Uint8Array> {
    this.calls.push({ text, lang });
    if (this.#failing !== undefined) return Promise.reject(new TillqrError(this.#failing, 'the simulated engine was told to fail'));
    return Promise.resolve(tone(SimEngine.secondsFor(text), 440, 8000));
  }
}
