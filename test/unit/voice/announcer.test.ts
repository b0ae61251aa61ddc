/**
 * The announcement queue on a fake clock, with the simulated engine and speaker: order, a sale's
 * chirp never swallowed by a long phrase, quiet hours (the buzzer's rule), a failing device.
 */
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/core/clock.js';
import { Faults } from '../../../src/core/faults.js';
import { silentLogger } from '../../../src/core/logger.js';
import { configSchema } from '../../../src/config/schema.js';
import { localMinutes } from '../../../src/signal/quiet-hours.js';
import { Announcer, type AnnouncerSettings } from '../../../src/voice/announcer.js';
import { SimEngine } from '../../../src/voice/drivers/sim-engine.js';
import { SimSpeaker } from '../../../src/voice/drivers/sim-speaker.js';
import { paidPhrase, shortPhrase, takingsPhrase } from '../../../src/voice/phrases.js';
import { announcerSettings } from '../../../src/voice/settings.js';
import { wavStats } from '../../../src/voice/wav.js';

/** Let promise chains run (no time passes: the FakeClock moves only when told). */
const flush = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await new Promise<void>((r) => setImmediate(r));
};

function rig(settings: Partial<AnnouncerSettings> = {}) {
  const clock = new FakeClock();
  const engine = new SimEngine();
  const speaker = new SimSpeaker({ clock });
  const faults = new Faults(() => clock.now());
  const s: AnnouncerSettings = { enabled: true, quiet: false, device: 'default', volume: 100, ...settings };
  const current = { ...s };
  const announcer = new Announcer({
    sounds: { get: async (text, lang) => ({ wav: await engine.synthesize(text, lang), hit: false }) },
    speaker,
    logger: silentLogger,
    faults,
    settings: () => current,
  });
  /** Play until the queue is empty, advancing the clock by each sound's length. */
  const drain = async (): Promise<void> => {
    for (let i = 0; i < 1000; i++) {
      await flush();
      if (!speaker.busy) {
        await flush();
        if (!speaker.busy) return;
      }
      clock.advance(100);
    }
  };
  return { clock, engine, speaker, faults, announcer, current, drain };
}

describe('Announcer', () => {
  it('plays phrases one at a time in the order they came', async () => {
    const r = rig();
    r.announcer.say(paidPhrase('en', 100, 'JPY'));
    r.announcer.say(paidPhrase('en', 200, 'JPY'));
    r.announcer.say(shortPhrase('en', 'cancelled'));
    await r.drain();
    expect(r.announcer.log.map((l) => [l.text, l.outcome])).toEqual([
      ['one hundred yen received', 'played'],
      ['two hundred yen received', 'played'],
      ['Cancelled', 'played'],
    ]);
    // One at a time: each play starts when the one before ended.
    const [a, b] = r.speaker.plays;
    expect(b!.at).toBeGreaterThanOrEqual(a!.at + a!.seconds * 1000);
  });

  it("a new sale's chirp cuts a long takings readout short and is played, never swallowed", async () => {
    const r = rig();
    const long = takingsPhrase('en', [
      { currency: 'JPY', count: 41, amount: 98_760 },
      { currency: 'USD', count: 3, amount: 4_550 },
    ]);
    r.announcer.say(long);
    r.announcer.say(paidPhrase('en', 300, 'JPY', 'LINE Pay', 'replay'));
    await flush();
    expect(r.speaker.busy).toBe(true);
    r.clock.advance(500);
    const saleAt = r.clock.now();
    r.announcer.say(paidPhrase('en', 1280, 'JPY', 'PayPay'));
    await r.drain();
    expect(r.announcer.log.map((l) => [l.kind, l.outcome])).toEqual([
      ['replay', 'dropped'],
      ['takings', 'stopped'],
      ['paid', 'played'],
    ]);
    // Cut at the moment the sale came, and the sale started then.
    expect(r.speaker.plays.map((p) => [p.at - saleAt, p.stoppedAt === undefined ? undefined : p.stoppedAt - saleAt])).toEqual([
      [-500, 0],
      [0, undefined],
    ]);
  });

  it('sales are never dropped, even when many arrive during a long phrase; info phrases beyond the queue are', async () => {
    const r = rig();
    for (let i = 1; i <= 7; i++) r.announcer.say(paidPhrase('en', i, 'JPY'));
    for (let i = 0; i < 6; i++) r.announcer.say(shortPhrase('en', 'expired'));
    await r.drain();
    const played = r.announcer.log.filter((l) => l.outcome === 'played').map((l) => l.text);
    expect(played.slice(0, 7)).toEqual([
      'one yen received',
      'two yen received',
      'three yen received',
      'four yen received',
      'five yen received',
      'six yen received',
      'seven yen received',
    ]);
    expect(r.announcer.log.filter((l) => l.kind === 'expired' && l.outcome === 'dropped').length).toBeGreaterThan(0);
  });

  it('says nothing in quiet hours (the buzzer window, crossing midnight), and again after them', async () => {
    const base = configSchema.safeParse({ voice: { enabled: true }, signal: { quietHours: { start: '22:00', end: '07:00' } } });
    if (!base.ok) throw new Error('config');
    const minutes = localMinutes('Asia/Tokyo');
    const r = rig();
    const night = Date.UTC(2026, 0, 1, 14, 30); // 23:30 in Tokyo
    const morning = Date.UTC(2026, 0, 1, 23, 0); // 08:00 in Tokyo
    Object.assign(r.current, announcerSettings(base.value, night, minutes));
    expect(r.announcer.say(paidPhrase('ja', 1280, 'JPY'))).toBe(false);
    Object.assign(r.current, announcerSettings(base.value, morning, minutes));
    expect(r.announcer.say(paidPhrase('ja', 1280, 'JPY'))).toBe(true);
    await r.drain();
    expect(r.announcer.log.map((l) => [l.outcome, l.why])).toEqual([
      ['silent', 'quiet hours'],
      ['played', undefined],
    ]);
    expect(r.speaker.plays).toHaveLength(1);
  });

  it('plays at the configured volume on the configured device, read when it plays', async () => {
    const r = rig({ volume: 50, device: 'plughw:1,0' });
    r.announcer.say(paidPhrase('en', 1, 'JPY'));
    await r.drain();
    r.current.volume = 100;
    r.announcer.say(paidPhrase('en', 1, 'JPY'));
    await r.drain();
    const [half, full] = r.speaker.plays;
    expect(half!.device).toBe('plughw:1,0');
    expect(half!.rms).toBeCloseTo(full!.rms / 2, 2);
    expect(full!.rms).toBeCloseTo(wavStats(full!.wav).rms, 5);
  });

  it('a missing audio device is the audio fault, not a crash; the next phrase that plays clears it', async () => {
    const r = rig();
    r.speaker.unplug();
    r.announcer.say(paidPhrase('en', 1, 'JPY'));
    await r.drain();
    expect(r.faults.list()).toMatchObject([{ part: 'audio', code: 'AUDIO_DEVICE' }]);
    r.speaker.plug();
    r.announcer.say(paidPhrase('en', 2, 'JPY'));
    await r.drain();
    expect(r.faults.list()).toEqual([]);
  });

  it('an engine that fails is the audio fault too, and the queue goes on', async () => {
    const r = rig();
    r.engine.fail('AUDIO_UNAVAILABLE');
    r.announcer.say(paidPhrase('en', 1, 'JPY'));
    await r.drain();
    expect(r.faults.codes()).toEqual(['AUDIO_UNAVAILABLE']);
    r.engine.fail(undefined);
    r.announcer.say(paidPhrase('en', 2, 'JPY'));
    await r.drain();
    expect(r.announcer.log.map((l) => l.outcome)).toEqual(['failed', 'played']);
  });
});

describe('Announcer while a phrase is still being synthesized', () => {
  it('a sale that comes while an info phrase is being fetched goes first: the info phrase is stopped unplayed', async () => {
    const clock = new FakeClock();
    const speaker = new SimSpeaker({ clock });
    const engine = new SimEngine();
    let release: (() => void) | undefined;
    const announcer = new Announcer({
      sounds: {
        get: async (text, lang) => {
          // The takings phrase takes its time (a slow engine); the sale's is at hand.
          if (text.startsWith('Today')) await new Promise<void>((r) => (release = r));
          return { wav: await engine.synthesize(text, lang), hit: false };
        },
      },
      speaker,
      logger: silentLogger,
      settings: () => ({ enabled: true, quiet: false, device: 'default', volume: 100 }),
    });
    announcer.say(takingsPhrase('en', [{ currency: 'JPY', count: 2, amount: 2000 }]));
    await flush();
    announcer.say(paidPhrase('en', 500, 'JPY'));
    release?.();
    for (let i = 0; i < 100; i++) {
      await flush();
      clock.advance(100);
    }
    expect(announcer.log.map((l) => [l.kind, l.outcome])).toEqual([
      ['takings', 'stopped'],
      ['paid', 'played'],
    ]);
    expect(speaker.plays).toHaveLength(1);
  });
});
