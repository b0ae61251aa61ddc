/**
 * The announcement queue. Phrases play one at a time, in the order they came, with these rules:
 * - a sale's announcement ('sale' priority) is never dropped and never cut short: it stops an
 *   info phrase that is playing (a replay, the takings, "cancelled") and drops the info phrases
 *   still waiting, so a new sale's chirp is heard at once and in order after earlier sales;
 * - an info phrase is dropped when the queue already holds `maxQueue` phrases;
 * - nothing is queued while the voice is off or in quiet hours (the buzzer's rule), or at volume 0.
 * The sound of a phrase is fetched (cache or engine) as soon as it is queued, while the one
 * before it plays. A failing engine or audio device raises the `audio` fault and logs; the next
 * phrase that plays clears it. `say` never throws and never waits: it is fire-and-forget.
 */
import type { Faults } from '../core/faults.js';
import { toTillqrError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Speaker } from './engine.js';
import type { VoiceLang } from './money-words.js';
import type { Phrase } from './phrases.js';
import { withVolume } from './wav.js';

export interface SoundSource {
  get(text: string, lang: VoiceLang): Promise<{ readonly wav: Uint8Array; readonly hit: boolean; readonly path?: string }>;
}

/** The live settings, read when a phrase is queued (enabled, quiet) and when it plays (device, volume). */
export interface AnnouncerSettings {
  readonly enabled: boolean;
  readonly quiet: boolean;
  readonly device: string;
  readonly volume: number;
}

export interface AnnouncerOptions {
  readonly sounds: SoundSource;
  readonly speaker: Speaker;
  readonly logger: Logger;
  readonly settings: () => AnnouncerSettings;
  readonly faults?: Faults;
  /** Phrases waiting at most (sales always get in). Default 4. */
  readonly maxQueue?: number;
}

export interface Played {
  readonly phrase: Phrase;
  readonly wav: Uint8Array;
  readonly path: string | undefined;
  readonly hit: boolean;
}

interface Item {
  readonly phrase: Phrase;
  readonly sound: Promise<{ wav: Uint8Array; hit: boolean; path?: string } | undefined>;
}

export class Announcer {
  readonly #o: AnnouncerOptions;
  readonly #queue: Item[] = [];
  readonly #listeners = new Set<(p: Played) => void>();
  #playing: { item: Item; stop: AbortController } | undefined;
  #loop: Promise<void> | undefined;
  #stopped = false;
  /** What happened to each phrase asked for, newest last (bounded): for the console and tests. */
  readonly log: { text: string; kind: Phrase['kind']; outcome: 'played' | 'dropped' | 'stopped' | 'silent' | 'failed'; why?: string }[] = [];

  constructor(o: AnnouncerOptions) {
    this.#o = o;
  }

  /** Queue a phrase (fire-and-forget). True when it was queued. */
  say(phrase: Phrase): boolean {
    if (this.#stopped) return false;
    const s = this.#o.settings();
    if (!s.enabled || s.quiet || s.volume === 0) {
      this.#note(phrase, 'silent', !s.enabled ? 'voice off' : s.quiet ? 'quiet hours' : 'volume 0');
      return false;
    }
    if (phrase.priority === 'sale') {
      const waiting = this.#queue.splice(0);
      for (const i of waiting) {
        if (i.phrase.priority === 'sale') this.#queue.push(i);
        else this.#note(i.phrase, 'dropped', 'a sale came');
      }
      if (this.#playing !== undefined && this.#playing.item.phrase.priority === 'info') this.#playing.stop.abort();
    } else if (this.#queue.length >= (this.#o.maxQueue ?? 4)) {
      this.#note(phrase, 'dropped', 'queue full');
      return false;
    }
    this.#queue.push({ phrase, sound: this.#fetch(phrase) });
    this.#loop ??= this.#run().finally(() => (this.#loop = undefined));
    return true;
  }

  /** Hear each sound as it starts playing. */
  onPlay(l: (p: Played) => void): () => void {
    this.#listeners.add(l);
    return () => this.#listeners.delete(l);
  }

  /** Resolves when nothing is queued or playing. */
  async idle(): Promise<void> {
    while (this.#loop !== undefined) await this.#loop;
  }

  /** Stop playing, drop the queue, accept nothing more. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const i of this.#queue.splice(0)) this.#note(i.phrase, 'dropped', 'stopping');
    this.#playing?.stop.abort();
    await this.idle();
  }

  #fetch(phrase: Phrase): Item['sound'] {
    return this.#o.sounds.get(phrase.spoken, phrase.lang).catch((e: unknown) => {
      this.#fail(phrase, e);
      return undefined;
    });
  }

  async #run(): Promise<void> {
    for (let item = this.#queue.shift(); item !== undefined; item = this.#queue.shift()) {
      // "Playing" from here: a sale that comes while this info phrase is still being fetched stops it too.
      const stop = new AbortController();
      this.#playing = { item, stop };
      try {
        const sound = await item.sound;
        if (sound === undefined) continue;
        if (stop.signal.aborted) {
          this.#note(item.phrase, 'stopped');
          continue;
        }
        const s = this.#o.settings();
        for (const l of this.#listeners) {
          try {
            l({ phrase: item.phrase, wav: sound.wav, path: sound.path, hit: sound.hit });
          } catch (e) {
            this.#o.logger.warn('a voice listener failed', { error: e });
          }
        }
        await this.#o.speaker.play(withVolume(sound.wav, s.volume), { device: s.device, signal: stop.signal });
        this.#note(item.phrase, stop.signal.aborted ? 'stopped' : 'played');
        this.#o.faults?.clear('audio');
      } catch (e) {
        this.#fail(item.phrase, e);
      } finally {
        this.#playing = undefined;
      }
    }
  }

  #fail(phrase: Phrase, e: unknown): void {
    const err = toTillqrError(e, 'AUDIO_DEVICE');
    this.#note(phrase, 'failed', `${err.code}: ${err.message}`);
    this.#o.logger.error('could not say a phrase', { kind: phrase.kind, code: err.code, error: err.message });
    this.#o.faults?.raise('audio', err.code, err.message.slice(0, 300));
  }

  #note(phrase: Phrase, outcome: Announcer['log'][number]['outcome'], why?: string): void {
    this.log.push({ text: phrase.shown, kind: phrase.kind, outcome, ...(why !== undefined ? { why } : {}) });
    if (this.log.length > 50) this.log.shift();
    if (outcome === 'dropped' || outcome === 'silent') this.#o.logger.debug(`phrase ${outcome}`, { kind: phrase.kind, why });
  }
}
