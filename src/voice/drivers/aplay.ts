/**
 * Playback through ALSA with aplay (Debian `alsa-utils`): the WAV goes in on stdin, to the PCM
 * named by voice.device. One aplay per phrase, so a device that comes and goes (a USB speaker
 * pulled out) fails one phrase with AUDIO_DEVICE, never the daemon; stopping kills the process.
 */
import { spawn } from 'node:child_process';
import { TillqrError } from '../../core/errors.js';
import type { PlayOptions, Speaker } from '../engine.js';

export interface AplayOptions {
  /** The program (default "aplay" on PATH). */
  readonly command?: string;
  /** Environment of aplay (tests point HOME or ALSA_CONFIG_PATH at their own asoundrc). Default: the daemon's. */
  readonly env?: NodeJS.ProcessEnv;
}

export class AplaySpeaker implements Speaker {
  readonly #command: string;
  readonly #env: NodeJS.ProcessEnv | undefined;

  constructor(o: AplayOptions = {}) {
    this.#command = o.command ?? 'aplay';
    this.#env = o.env;
  }

  play(wav: Uint8Array, opts: PlayOptions): Promise<void> {
    return new Promise((resolve, reject) => {
      if (opts.signal?.aborted === true) {
        resolve();
        return;
      }
      const child = spawn(this.#command, ['-q', '-D', opts.device, '-t', 'wav', '-'], {
        stdio: ['pipe', 'ignore', 'pipe'],
        ...(this.#env !== undefined ? { env: this.#env } : {}),
      });
      let err = '';
      let stopped = false;
      const onAbort = (): void => {
        stopped = true;
        child.kill('SIGTERM');
      };
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      child.stderr.on('data', (b: Buffer) => (err = (err + b.toString('utf8')).slice(-600)));
      child.stdin.on('error', () => undefined); // aplay gave up early: its exit says why
      child.on('error', (e: NodeJS.ErrnoException) => {
        opts.signal?.removeEventListener('abort', onAbort);
        reject(
          e.code === 'ENOENT'
            ? new TillqrError('AUDIO_UNAVAILABLE', `${this.#command} is not installed (Debian package alsa-utils)`, { command: this.#command })
            : new TillqrError('AUDIO_DEVICE', `${this.#command} could not be started: ${e.message}`),
        );
      });
      child.on('close', (code) => {
        opts.signal?.removeEventListener('abort', onAbort);
        if (code === 0 || stopped) resolve();
        else {
          const why =
            err
              .trim()
              .split('\n')
              .filter((l) => l.trim() !== '')
              .pop() ?? `exit ${String(code)}`;
          reject(new TillqrError('AUDIO_DEVICE', `cannot play on ALSA PCM ${JSON.stringify(opts.device)}: ${why}`, { device: opts.device }));
        }
      });
      child.stdin.end(wav);
    });
  }
}
