/**
 * The real voice: espeak-ng says the payment in each language (length and loudness in range,
 * measured by sox as well as by our own WAV reader), the WAV cache in a real state directory,
 * and aplay playing through a real ALSA PCM (the `file` plugin; CI has no sound card).
 */
import { readdir } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/core/clock.js';
import { isTillqrError } from '../../../src/core/errors.js';
import { Faults } from '../../../src/core/faults.js';
import { silentLogger } from '../../../src/core/logger.js';
import { Announcer } from '../../../src/voice/announcer.js';
import { AplaySpeaker } from '../../../src/voice/drivers/aplay.js';
import { EspeakNgEngine } from '../../../src/voice/drivers/espeak-ng.js';
import type { SpeechEngine } from '../../../src/voice/engine.js';
import { VOICE_LANGS } from '../../../src/voice/money-words.js';
import { paidPhrase } from '../../../src/voice/phrases.js';
import { WavCache } from '../../../src/voice/wav-cache.js';
import { readWav, samplesOf, wavStats, withVolume } from '../../../src/voice/wav.js';
import { alsaRig, soxStat, type AlsaRig } from './alsa-rig.js';

let stateDir: string;
let alsa: AlsaRig;

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'tillqr-voice-'));
  alsa = await alsaRig();
});
afterAll(async () => {
  await rm(stateDir, { recursive: true, force: true });
  await alsa.close();
});

/** Counts the syntheses the cache asks for. */
function counting(engine: SpeechEngine): SpeechEngine & { runs: number } {
  const c = {
    runs: 0,
    id: () => engine.id(),
    voiceFor: (l: Parameters<SpeechEngine['voiceFor']>[0]) => engine.voiceFor(l),
    synthesize: (t: string, l: Parameters<SpeechEngine['synthesize']>[1]) => {
      c.runs++;
      return engine.synthesize(t, l);
    },
  };
  return c;
}

describe('espeak-ng says the payment in each language', () => {
  const engine = new EspeakNgEngine();
  it.each(VOICE_LANGS)('%s: a WAV of a plausible length and loudness (sox agrees)', async (lang) => {
    const cache = new WavCache({ stateDir, engine, logger: silentLogger });
    const phrase = paidPhrase(lang, 1280, lang === 'ko' ? 'KRW' : lang === 'zh' ? 'CNY' : 'JPY', 'LINE Pay');
    const sound = await cache.get(phrase.spoken, lang);
    const ours = wavStats(sound.wav);
    const sox = await soxStat(sound.path);
    // "千二百八十円、LINE Payで受け取りました" and the like: a few seconds, clearly audible, not clipped.
    expect(ours.seconds).toBeGreaterThan(1.2);
    expect(ours.seconds).toBeLessThan(8);
    expect(ours.rms).toBeGreaterThan(0.03);
    expect(ours.peak).toBeLessThan(1);
    expect(sox.seconds).toBeCloseTo(ours.seconds, 1);
    expect(sox.rms).toBeCloseTo(ours.rms, 2);
  });

  it('Japanese is spoken from kana: kanji would be read as "Chinese letter" and last far longer', async () => {
    const kana = wavStats(await engine.synthesize(paidPhrase('ja', 1280, 'JPY').spoken, 'ja'));
    const kanji = wavStats(await engine.synthesize(paidPhrase('ja', 1280, 'JPY').shown, 'ja'));
    expect(kanji.seconds).toBeGreaterThan(kana.seconds * 1.5);
  });
});

describe('the WAV cache', () => {
  it('synthesizes once, keeps the file in <stateDir>/voice, and a new cache (a restart) plays it from disk', async () => {
    const engine = counting(new EspeakNgEngine());
    const first = new WavCache({ stateDir, engine, logger: silentLogger });
    const a = await first.get('one thousand two hundred eighty yen received', 'en');
    const b = await first.get('one thousand two hundred eighty yen received', 'en');
    const again = await new WavCache({ stateDir, engine, logger: silentLogger }).get('one thousand two hundred eighty yen received', 'en');
    expect([a.hit, b.hit, again.hit, engine.runs]).toEqual([false, true, true, 1]);
    expect(Buffer.from(again.wav).equals(Buffer.from(a.wav))).toBe(true);
    const files = await readdir(join(stateDir, 'voice'));
    expect(files).toContain(a.path.split('/').pop());
    expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('the key holds the engine and the voice: another voice is another file', async () => {
    const cache = new WavCache({ stateDir, engine: new EspeakNgEngine(), logger: silentLogger });
    const slow = new WavCache({ stateDir, engine: new EspeakNgEngine({ wordsPerMinute: 120 }), logger: silentLogger });
    expect(await cache.pathFor('hello', 'en')).not.toBe(await cache.pathFor('hello', 'ja'));
    expect(await cache.pathFor('hello', 'en')).not.toBe(await slow.pathFor('hello', 'en'));
  });

  it('the folder stays within maxDiskBytes: the least recently used phrases go, the newest stays', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tillqr-voice-prune-'));
    const cache = new WavCache({ stateDir: dir, engine: new EspeakNgEngine(), logger: silentLogger, maxDiskBytes: 400_000, memoryEntries: 1 });
    const paths: string[] = [];
    for (const n of ['one', 'two', 'three', 'four', 'five']) paths.push((await cache.get(`${n} thousand two hundred yen received`, 'en')).path);
    const left = (await readdir(join(dir, 'voice'))).map((f) => join(dir, 'voice', f));
    expect(left.length).toBeLessThan(5);
    expect(left).toContain(paths[4]);
    expect(left).not.toContain(paths[0]);
    await rm(dir, { recursive: true, force: true });
  });

  it('several syntheses of one phrase at once share one run', async () => {
    const engine = counting(new EspeakNgEngine());
    const cache = new WavCache({ stateDir, engine, logger: silentLogger });
    const all = await Promise.all([1, 2, 3].map(() => cache.get('twelve dollars and fifty cents received', 'en')));
    expect(engine.runs).toBe(1);
    expect(all.map((s) => s.hit)).toEqual([false, false, false]);
  });
});

describe('aplay through a real ALSA PCM', () => {
  it('hands every sample to ALSA, at the volume asked for', async () => {
    const wav = await new EspeakNgEngine().synthesize('twelve dollars and fifty cents', 'en');
    const speaker = new AplaySpeaker({ env: alsa.env });
    await speaker.play(wav, { device: 'tofile' });
    const full = await alsa.received();
    await speaker.play(withVolume(wav, 50), { device: 'tofile' });
    const half = await alsa.received();
    const ours = samplesOf(wav, readWav(wav));
    // The file plugin writes whole periods: every sample, then at most a period of silence.
    expect(full.length).toBeGreaterThanOrEqual(ours.length);
    expect(Array.from(full.subarray(0, ours.length))).toEqual(Array.from(ours));
    const rms = (s: Int16Array): number => Math.sqrt(s.reduce((a, x) => a + x * x, 0) / s.length);
    expect(rms(half.subarray(0, ours.length)) / rms(ours)).toBeCloseTo(0.5, 2);
  });

  it("a PCM that cannot be opened is AUDIO_DEVICE with ALSA's reason", async () => {
    const wav = await new EspeakNgEngine().synthesize('hello', 'en');
    const err = await new AplaySpeaker({ env: alsa.env }).play(wav, { device: 'nocard' }).catch((e: unknown) => e);
    expect(isTillqrError(err, 'AUDIO_DEVICE')).toBe(true);
    expect((err as Error).message).toMatch(/nocard.*audio open error/);
  });

  it('a missing aplay is AUDIO_UNAVAILABLE', async () => {
    const err = await new AplaySpeaker({ command: 'aplay-not-installed' }).play(new Uint8Array(44), { device: 'default' }).catch((e: unknown) => e);
    expect(isTillqrError(err, 'AUDIO_UNAVAILABLE')).toBe(true);
  });

  it('the announcer on a device that fails raises the audio fault and goes on', async () => {
    const clock = new FakeClock();
    const faults = new Faults(() => clock.now());
    const settings = { enabled: true, quiet: false, device: 'nocard', volume: 80 };
    const announcer = new Announcer({
      sounds: new WavCache({ stateDir, engine: new EspeakNgEngine(), logger: silentLogger }),
      speaker: new AplaySpeaker({ env: alsa.env }),
      logger: silentLogger,
      faults,
      settings: () => settings,
    });
    announcer.say(paidPhrase('en', 1280, 'JPY'));
    await announcer.idle();
    expect(faults.codes()).toEqual(['AUDIO_DEVICE']);
    settings.device = 'tofile';
    announcer.say(paidPhrase('en', 1280, 'JPY'));
    await announcer.idle();
    expect(faults.codes()).toEqual([]);
    expect(announcer.log.map((l) => l.outcome)).toEqual(['failed', 'played']);
  });
});
