/**
 * Phrases are synthesized once and kept as WAV files in <stateDir>/voice/, named by a hash of the
 * engine (and its version), the voice and the text, so a repeated amount plays at once and an
 * engine upgrade never plays stale sound. Files are written atomically (a power cut leaves the
 * old file or none); one that no longer parses is synthesized again. Syntheses of the same key
 * at the same time share one run. The last few sounds stay in memory. The folder is bounded
 * (`maxDiskBytes`, default 32 MB, about 200 phrases): after each new file the least recently
 * used ones go, so a shop with many distinct amounts never fills its SD card.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, stat, unlink, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../core/logger.js';
import { writeFileAtomic } from '../store/atomic-file.js';
import type { SpeechEngine } from './engine.js';
import type { VoiceLang } from './money-words.js';
import { readWav } from './wav.js';

export const VOICE_CACHE_DIR = 'voice';

export interface CachedSound {
  readonly wav: Uint8Array;
  readonly path: string;
  /** True when it came from the cache (memory or disk), false when synthesized now. */
  readonly hit: boolean;
}

export interface WavCacheOptions {
  readonly stateDir: string;
  readonly engine: SpeechEngine;
  readonly logger: Logger;
  /** Sounds kept in memory (default 16). */
  readonly memoryEntries?: number;
  /** Bytes of WAV files kept on disk at most (default 32 MiB). */
  readonly maxDiskBytes?: number;
}

export function cacheKey(engineId: string, voice: string, text: string): string {
  return createHash('sha256').update(`${engineId}\0${voice}\0${text}`).digest('hex').slice(0, 40);
}

export class WavCache {
  readonly dir: string;
  readonly #o: WavCacheOptions;
  readonly #memory = new Map<string, Uint8Array>();
  readonly #inflight = new Map<string, Promise<CachedSound>>();

  constructor(o: WavCacheOptions) {
    this.#o = o;
    this.dir = join(o.stateDir, VOICE_CACHE_DIR);
  }

  async pathFor(text: string, lang: VoiceLang): Promise<string> {
    return join(this.dir, `${cacheKey(await this.#o.engine.id(), this.#o.engine.voiceFor(lang), text)}.wav`);
  }

  /** The sound of the text: from memory, from disk, or synthesized now and stored. */
  async get(text: string, lang: VoiceLang): Promise<CachedSound> {
    const path = await this.pathFor(text, lang);
    const mem = this.#memory.get(path);
    if (mem !== undefined) {
      this.#remember(path, mem);
      return { wav: mem, path, hit: true };
    }
    const running = this.#inflight.get(path);
    if (running !== undefined) return running;
    const p = this.#load(path, text, lang).finally(() => this.#inflight.delete(path));
    this.#inflight.set(path, p);
    return p;
  }

  async #load(path: string, text: string, lang: VoiceLang): Promise<CachedSound> {
    try {
      const wav = new Uint8Array(await readFile(path));
      readWav(wav);
      this.#remember(path, wav);
      // Recently used: the last to be pruned.
      const now = new Date();
      await utimes(path, now, now).catch(() => undefined);
      return { wav, path, hit: true };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.#o.logger.warn('a cached sound is unreadable: synthesizing it again', { path, error: e });
    }
    const wav = await this.#o.engine.synthesize(text, lang);
    this.#remember(path, wav);
    try {
      await writeFileAtomic(path, wav, { mode: 0o644 });
      await this.#prune(path);
    } catch (e) {
      // Still playable from memory; the next start synthesizes it again.
      this.#o.logger.warn('could not keep a sound in the cache', { path, error: e });
    }
    return { wav, path, hit: false };
  }

  /** Delete the least recently used files until the folder is within maxDiskBytes (never `keep`). */
  async #prune(keep: string): Promise<void> {
    const max = this.#o.maxDiskBytes ?? 32 * 1024 * 1024;
    const files: { path: string; size: number; mtime: number }[] = [];
    for (const name of await readdir(this.dir)) {
      if (!name.endsWith('.wav')) continue;
      const path = join(this.dir, name);
      const s = await stat(path).catch(() => undefined);
      if (s !== undefined) files.push({ path, size: s.size, mtime: s.mtimeMs });
    }
    let total = files.reduce((a, f) => a + f.size, 0);
    files.sort((a, b) => a.mtime - b.mtime);
    for (const f of files) {
      if (total <= max) break;
      if (f.path === keep) continue;
      await unlink(f.path).catch(() => undefined);
      this.#memory.delete(f.path);
      total -= f.size;
    }
  }

  #remember(path: string, wav: Uint8Array): void {
    this.#memory.delete(path);
    this.#memory.set(path, wav);
    const max = this.#o.memoryEntries ?? 16;
    while (this.#memory.size > max) {
      const oldest = this.#memory.keys().next().value;
      if (oldest === undefined) break;
      this.#memory.delete(oldest);
    }
  }
}
