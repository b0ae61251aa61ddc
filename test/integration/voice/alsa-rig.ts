/**
 * A real ALSA setup without a sound card: an asoundrc in a temp HOME defining `tofile` (the
 * `file` plugin, writing every sample aplay hands to ALSA into out.raw, behind a `null` slave)
 * and `nocard` (hw on a card that does not exist). aplay is run with that HOME.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface AlsaRig {
  readonly home: string;
  readonly env: NodeJS.ProcessEnv;
  readonly rawPath: string;
  /** The samples ALSA received, as 16-bit little-endian. */
  received(): Promise<Int16Array>;
  close(): Promise<void>;
}

export async function alsaRig(): Promise<AlsaRig> {
  const home = await mkdtemp(join(tmpdir(), 'tillqr-alsa-'));
  const rawPath = join(home, 'out.raw');
  await writeFile(
    join(home, '.asoundrc'),
    `pcm.tofile {\n  type file\n  slave.pcm null\n  file "${rawPath}"\n  format raw\n}\npcm.nocard {\n  type hw\n  card 7\n}\n`,
  );
  return {
    home,
    env: { ...process.env, HOME: home },
    rawPath,
    async received() {
      const b = await readFile(rawPath);
      return new Int16Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length - (b.length % 2)));
    },
    close: () => rm(home, { recursive: true, force: true }),
  };
}

/** sox's own measure of a WAV file: length in seconds and RMS amplitude (0..1). */
export async function soxStat(path: string): Promise<{ seconds: number; rms: number }> {
  const { execFile } = await import('node:child_process');
  const text = await new Promise<string>((resolve, reject) =>
    execFile('sox', [path, '-n', 'stat'], (e, _out, err) => (e !== null ? reject(new Error(`sox: ${e.message}`)) : resolve(err))),
  );
  const num = (label: string): number => Number(new RegExp(`${label}:\\s+([0-9.]+)`).exec(text)?.[1] ?? NaN);
  return { seconds: num('Length \\(seconds\\)'), rms: num('RMS\\s+amplitude') };
}
