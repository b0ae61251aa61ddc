/**
 * `tillqr say` as a real child process: the WAV it writes (sox reads it, its length and loudness
 * are a spoken phrase's), playing it through a real ALSA PCM without --out, and bad flags.
 */
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readWav, wavStats } from '../../../src/voice/wav.js';
import { exited, spawnTs } from '../../helpers/child.js';
import { tempDir } from '../../helpers/payment-kit.js';
import { alsaRig, soxStat, type AlsaRig } from './alsa-rig.js';

const TILLQR = fileURLToPath(new URL('../../../src/cli/tillqr.ts', import.meta.url));

async function say(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawnTs(TILLQR, ['say', ...args], { env });
  let out = '';
  let err = '';
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (err += b.toString()));
  const { code } = await exited(child);
  return { code, out, err };
}

let alsa: AlsaRig;
beforeAll(async () => {
  alsa = await alsaRig();
});
afterAll(() => alsa.close());

describe('tillqr say', () => {
  it('renders the Japanese announcement to a WAV file', async () => {
    const out = join(await tempDir('tillqr-say-'), 'paid.wav');
    const r = await say(['--amount', '1280', '--currency', 'JPY', '--wallet', 'LINE Pay', '--lang', 'ja', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('千二百八十円、LINE Payで受け取りました');
    const wav = new Uint8Array(await readFile(out));
    expect(readWav(wav).sampleRate).toBe(22050);
    const s = wavStats(wav);
    expect(s.seconds).toBeGreaterThan(1.5);
    expect(s.seconds).toBeLessThan(8);
    expect((await soxStat(out)).rms).toBeGreaterThan(0.02);
  });

  it('plays it through ALSA without --out', async () => {
    const r = await say(['--amount', '1250', '--currency', 'USD', '--lang', 'en', '--device', 'tofile', '--volume', '100'], alsa.env);
    expect(r.code).toBe(0);
    expect(r.out).toContain('twelve dollars and fifty cents received');
    const samples = await alsa.received();
    expect(samples.length / 22050).toBeGreaterThan(1.5);
    expect(samples.some((x) => Math.abs(x) > 3000)).toBe(true);
  });

  it('a PCM that cannot open exits 69 with the reason; a bad flag exits 64', async () => {
    const r = await say(['--amount', '1', '--lang', 'en', '--device', 'nocard'], alsa.env);
    expect(r.code).toBe(69);
    expect(r.err).toMatch(/cannot play on ALSA PCM "nocard"/);
    const bad = await say(['--amount', '12.5', '--lang', 'en']);
    expect(bad.code).toBe(64);
    expect(bad.err).toMatch(/--amount: "12.5" is not a whole number/);
  });
});
