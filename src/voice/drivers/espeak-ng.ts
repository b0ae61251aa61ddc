/**
 * espeak-ng (Debian `espeak-ng`) as the speech engine: offline, small, all four languages. The
 * phrase goes in on stdin (never as an argument: a phrase may start with "-"), the WAV comes back
 * on stdout with its sizes fixed. Japanese must be given in kana (the phrases do that).
 */
import { spawn } from 'node:child_process';
import { TillqrError } from '../../core/errors.js';
import type { SpeechEngine } from '../engine.js';
import type { VoiceLang } from '../money-words.js';
import { normalizeWav } from '../wav.js';

const VOICES: Readonly<Record<VoiceLang, string>> = { ja: 'ja', en: 'en-us', zh: 'cmn', ko: 'ko' };

export interface EspeakOptions {
  /** The program (default "espeak-ng" on PATH). */
  readonly command?: string;
  /** Words per minute (espeak-ng -s; default 165, a little slower than its 175 for a noisy shop). */
  readonly wordsPerMinute?: number;
}

function run(command: string, args: readonly string[], input: string): Promise<{ code: number | null; out: Buffer; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => (err = (err + b.toString('utf8')).slice(-400)));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out: Buffer.concat(out), err }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

export class EspeakNgEngine implements SpeechEngine {
  readonly #command: string;
  readonly #wpm: number;
  #id: Promise<string> | undefined;

  constructor(o: EspeakOptions = {}) {
    this.#command = o.command ?? 'espeak-ng';
    this.#wpm = o.wordsPerMinute ?? 165;
  }

  id(): Promise<string> {
    this.#id ??= run(this.#command, ['--version'], '').then(
      (r) => `espeak-ng ${/([0-9]+\.[0-9]+[0-9.]*)/.exec(r.out.toString('utf8'))?.[1] ?? 'unknown'} ${this.#wpm}wpm`,
      (e: unknown) => {
        this.#id = undefined;
        throw this.#missing(e);
      },
    );
    return this.#id;
  }

  voiceFor(lang: VoiceLang): string {
    return VOICES[lang];
  }

  async synthesize(text: string, lang: VoiceLang): Promise<Uint8Array> {
    let r;
    try {
      r = await run(this.#command, ['-v', VOICES[lang], '-s', String(this.#wpm), '--stdout'], text);
    } catch (e) {
      throw this.#missing(e);
    }
    if (r.code !== 0 || r.out.length < 44)
      throw new TillqrError('AUDIO_ENGINE', `espeak-ng -v ${VOICES[lang]} failed (exit ${String(r.code)}): ${r.err.trim().split('\n').pop() ?? ''}`, { lang });
    return normalizeWav(r.out);
  }

  #missing(e: unknown): TillqrError {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      return new TillqrError('AUDIO_UNAVAILABLE', `${this.#command} is not installed (Debian package espeak-ng)`, { command: this.#command });
    return new TillqrError('AUDIO_ENGINE', `${this.#command} could not be started: ${(e as Error).message}`, { command: this.#command });
  }
}
