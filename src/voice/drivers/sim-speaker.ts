/**
 * The simulated speaker: plays each WAV for its real duration on the injected clock and records
 * what was played (device, seconds, loudness, whether it was cut short). Scriptable: `unplug()`
 * makes plays fail AUDIO_DEVICE as a missing ALSA device does, `plug()` brings it back.
 * Listeners hear each sound as it starts (the simulator page plays the same WAV in the browser).
 */
import type { Clock } from '../../core/clock.js';
import { TillqrError } from '../../core/errors.js';
import type { PlayOptions, Speaker } from '../engine.js';
import { wavStats } from '../wav.js';

export interface SimPlay {
  readonly at: number;
  readonly device: string;
  readonly seconds: number;
  readonly rms: number;
  readonly wav: Uint8Array;
  /** Set when the play was stopped before its end. */
  stoppedAt?: number;
}

export class SimSpeaker implements Speaker {
  readonly plays: SimPlay[] = [];
  readonly #clock: Clock;
  readonly #listeners = new Set<(p: SimPlay) => void>();
  #plugged = true;

  constructor(o: { clock: Clock }) {
    this.#clock = o.clock;
  }

  unplug(): void {
    this.#plugged = false;
  }

  plug(): void {
    this.#plugged = true;
  }

  /** True while a sound is playing. */
  get busy(): boolean {
    const last = this.plays[this.plays.length - 1];
    return last !== undefined && last.stoppedAt === undefined && this.#clock.now() < last.at + last.seconds * 1000;
  }

  onPlay(l: (p: SimPlay) => void): () => void {
    this.#listeners.add(l);
    return () => this.#listeners.delete(l);
  }

  play(wav: Uint8Array, opts: PlayOptions): Promise<void> {
    if (!this.#plugged)
      return Promise.reject(
        new TillqrError('AUDIO_DEVICE', `cannot play on ALSA PCM ${JSON.stringify(opts.device)}: no such device (simulated speaker unplugged)`, {
          device: opts.device,
        }),
      );
    if (opts.signal?.aborted === true) return Promise.resolve();
    const s = wavStats(wav);
    const p: SimPlay = { at: this.#clock.now(), device: opts.device, seconds: s.seconds, rms: s.rms, wav };
    this.plays.push(p);
    for (const l of this.#listeners) l(p);
    return new Promise((resolve) => {
      const timer = this.#clock.setTimeout(
        () => {
          opts.signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        Math.round(s.seconds * 1000),
      );
      const onAbort = (): void => {
        this.#clock.clearTimeout(timer);
        p.stoppedAt = this.#clock.now();
        resolve();
      };
      opts.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
