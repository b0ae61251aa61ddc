import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/core/clock.js';
import { createLogger, memorySink, parseLogLine } from '../../../src/core/logger.js';
import { ActiveBuzzer, PassiveBuzzer } from '../../../src/signal/buzzer.js';
import { SimGpio } from '../../../src/signal/drivers/sim-gpio.js';
import { SimPwm } from '../../../src/signal/drivers/sim-pwm.js';
import { LineLed } from '../../../src/signal/led.js';
import { PatternIndicator, type SignalLiveConfig } from '../../../src/signal/pattern-indicator.js';
import { localMinutes } from '../../../src/signal/quiet-hours.js';

const GREEN = 5;
const RED = 6;
const BUZZ = 13;
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

async function rig(opts: { activeLow?: boolean; config?: SignalLiveConfig; passive?: boolean } = {}) {
  const clock = new FakeClock(T0);
  const sink = memorySink();
  const logger = createLogger('test', { sink, level: 'debug', now: () => clock.now() });
  const gpio = new SimGpio({ clock });
  const pwm = new SimPwm({ clock });
  const activeLow = opts.activeLow ?? false;
  const led = new LineLed({
    green: await gpio.output(GREEN, { activeLow }),
    red: await gpio.output(RED, { activeLow }),
  });
  const buzzer = opts.passive === true ? new PassiveBuzzer(await pwm.open({ channel: 1 })) : new ActiveBuzzer(await gpio.output(BUZZ, { activeLow }));
  const indicator = new PatternIndicator({
    led,
    buzzer,
    clock,
    logger,
    config: opts.config ?? { volume: 'on', ledOnly: false },
    localMinutes: localMinutes('UTC'),
  });
  gpio.clearHistory();
  pwm.clearHistory();
  const writes = () => gpio.writes.map((w) => ({ t: w.at - T0, pin: w.pin, v: w.value }));
  return { clock, sink, gpio, pwm, indicator, writes };
}

describe('PatternIndicator on an active buzzer and a dual LED', () => {
  it('plays "paid" as the exact sequence of line writes and times, then turns everything off', async () => {
    const { clock, indicator, writes } = await rig();
    indicator.play('paid');
    clock.advance(10_000);
    expect(writes()).toEqual([
      { t: 0, pin: GREEN, v: 1 },
      { t: 0, pin: BUZZ, v: 1 },
      { t: 110, pin: BUZZ, v: 0 },
      { t: 150, pin: BUZZ, v: 1 },
      { t: 260, pin: BUZZ, v: 0 },
      { t: 300, pin: BUZZ, v: 1 },
      { t: 680, pin: BUZZ, v: 0 },
      { t: 4680, pin: GREEN, v: 0 },
    ]);
    expect(indicator.status().event).toBeUndefined();
    expect(clock.pendingTimers).toBe(0);
  });

  it('a new event pre-empts the running pattern at once', async () => {
    const { clock, indicator, writes } = await rig();
    indicator.play('waiting');
    clock.advance(100); // chirp (0-60 ms) is over, LED off
    indicator.play('failed');
    clock.advance(20);
    expect(writes()).toEqual([
      { t: 0, pin: GREEN, v: 1 },
      { t: 0, pin: BUZZ, v: 1 },
      { t: 60, pin: GREEN, v: 0 },
      { t: 60, pin: BUZZ, v: 0 },
      { t: 100, pin: RED, v: 1 },
      { t: 100, pin: BUZZ, v: 1 },
    ]);
    expect(indicator.status().event).toBe('failed');
  });

  it('pre-empting in the middle of a tone changes only the lines that differ', async () => {
    const { clock, indicator, writes } = await rig();
    indicator.play('paid');
    clock.advance(50); // green on, buzzer on
    indicator.play('failed'); // red on, buzzer stays on (new note), green off
    expect(writes().slice(2)).toEqual([
      { t: 50, pin: GREEN, v: 0 },
      { t: 50, pin: RED, v: 1 },
    ]);
  });

  it('loops a looping pattern until stopped', async () => {
    const { clock, indicator, writes } = await rig();
    indicator.play('offline');
    clock.advance(3000 * 3 + 50);
    const red = writes().filter((w) => w.pin === RED);
    expect(red).toEqual([
      { t: 0, pin: RED, v: 1 },
      { t: 100, pin: RED, v: 0 },
      { t: 3000, pin: RED, v: 1 },
      { t: 3100, pin: RED, v: 0 },
      { t: 6000, pin: RED, v: 1 },
      { t: 6100, pin: RED, v: 0 },
      { t: 9000, pin: RED, v: 1 },
    ]);
    expect(writes().some((w) => w.pin === BUZZ)).toBe(false);
    indicator.stop();
    expect(writes().at(-1)).toEqual({ t: 9050, pin: RED, v: 0 });
    expect(clock.pendingTimers).toBe(0);
  });

  it('waiting chirps once, then loops from its second part', async () => {
    const { clock, indicator, writes } = await rig();
    indicator.play('waiting');
    clock.advance(3500);
    expect(writes().filter((w) => w.pin === BUZZ)).toEqual([
      { t: 0, pin: BUZZ, v: 1 },
      { t: 60, pin: BUZZ, v: 0 },
    ]);
    expect(
      writes()
        .filter((w) => w.pin === GREEN)
        .map((w) => [w.t, w.v]),
    ).toEqual([
      [0, 1],
      [60, 0],
      [500, 1],
      [620, 0],
      [2000, 1],
      [2120, 0],
      [3500, 1],
    ]);
  });

  it('idle lets a one-shot pattern finish but stops a looping one', async () => {
    const { clock, indicator, writes } = await rig();
    indicator.play('paid');
    clock.advance(200);
    indicator.play('idle');
    clock.advance(10_000);
    expect(writes().filter((w) => w.pin === BUZZ)).toHaveLength(6);
    expect(writes().at(-1)).toEqual({ t: 4680, pin: GREEN, v: 0 });

    indicator.play('provisioning');
    clock.advance(100);
    indicator.play('idle');
    expect(writes().slice(-4)).toEqual([
      { t: 10_200, pin: GREEN, v: 1 },
      { t: 10_200, pin: RED, v: 1 },
      { t: 10_300, pin: GREEN, v: 0 },
      { t: 10_300, pin: RED, v: 0 },
    ]);
    expect(indicator.status().event).toBeUndefined();
    expect(clock.pendingTimers).toBe(0);
  });

  it('the same looping event again changes nothing; a one-shot event starts again', async () => {
    const { clock, indicator, writes } = await rig();
    indicator.play('waiting');
    clock.advance(700);
    const before = writes().length;
    indicator.play('waiting'); // e.g. the screen redrawn: no second chirp, no restart
    clock.advance(100);
    expect(writes().slice(before)).toEqual([]);
    indicator.play('paid');
    clock.advance(200); // t = 1000: inside the second note (950-1060)
    indicator.play('paid'); // a second payment: the melody again from the start
    clock.advance(1000);
    // The buzzer is already on at 1000, so the restart shows in the timing of what follows.
    expect(
      writes()
        .filter((w) => w.pin === BUZZ && w.t >= 800)
        .map((w) => [w.t, w.v]),
    ).toEqual([
      [800, 1],
      [910, 0],
      [950, 1],
      [1110, 0],
      [1150, 1],
      [1260, 0],
      [1300, 1],
      [1680, 0],
    ]);
  });

  it('drives active-low lines with inverted physical levels', async () => {
    const { clock, indicator, gpio } = await rig({ activeLow: true });
    expect(gpio.level(GREEN)).toBe(1); // off
    indicator.play('paid');
    expect(gpio.level(GREEN)).toBe(0);
    expect(gpio.level(BUZZ)).toBe(0);
    expect(gpio.history(GREEN)).toEqual([{ at: T0, pin: GREEN, value: 1, level: 0 }]);
    clock.advance(5000);
    expect(gpio.level(GREEN)).toBe(1);
    expect(gpio.level(BUZZ)).toBe(1);
  });
});

describe('live settings', () => {
  it('volume off: the LED plays, the buzzer is never written', async () => {
    const { clock, indicator, writes } = await rig({ config: { volume: 'off', ledOnly: false } });
    indicator.play('paid');
    clock.advance(10_000);
    expect(writes().map((w) => w.pin)).toEqual([GREEN, GREEN]);
  });

  it('LED only silences the buzzer the same way', async () => {
    const { clock, indicator, writes } = await rig({ config: { volume: 'on', ledOnly: true } });
    indicator.play('failed');
    clock.advance(10_000);
    expect(writes().map((w) => w.pin)).toEqual([RED, RED]);
  });

  it('applyConfig silences a sounding buzzer at once and later steps stay silent', async () => {
    const { clock, indicator, writes } = await rig();
    indicator.play('failed');
    clock.advance(100);
    indicator.applyConfig({ volume: 'off', ledOnly: false });
    clock.advance(10_000);
    expect(writes()).toEqual([
      { t: 0, pin: RED, v: 1 },
      { t: 0, pin: BUZZ, v: 1 },
      { t: 100, pin: BUZZ, v: 0 },
      { t: 4400, pin: RED, v: 0 },
    ]);
  });

  it('applyConfig turning sound back on sounds the current step at once', async () => {
    const { clock, indicator, writes } = await rig({ config: { volume: 'off', ledOnly: false } });
    indicator.play('failed');
    clock.advance(100);
    indicator.applyConfig({ volume: 'on', ledOnly: false });
    expect(writes()).toEqual([
      { t: 0, pin: RED, v: 1 },
      { t: 100, pin: BUZZ, v: 1 },
    ]);
  });

  it('quiet hours across midnight silence the buzzer inside the window only', async () => {
    const quiet = { volume: 'on', ledOnly: false, quietHours: { start: '22:00', end: '07:00' } } as const;
    const { clock, indicator, writes } = await rig({ config: quiet });
    // 12:00 UTC: outside the window.
    indicator.play('cancelled');
    clock.advance(1000);
    expect(writes().filter((w) => w.pin === BUZZ)).toHaveLength(2);
    // Move to 23:30 UTC: inside.
    clock.advance(11.5 * 3600_000 - 1000);
    const before = writes().length;
    indicator.play('cancelled');
    clock.advance(1000);
    expect(
      writes()
        .slice(before)
        .filter((w) => w.pin === BUZZ),
    ).toHaveLength(0);
    expect(indicator.status().soundAllowed).toBe(false);
    // 07:00 UTC next day: the window has ended (end exclusive).
    clock.advance(7.5 * 3600_000 - 1000);
    indicator.play('cancelled');
    expect(indicator.status().soundAllowed).toBe(true);
    expect(writes().at(-1)).toMatchObject({ pin: BUZZ, v: 1 });
  });
});

describe('passive buzzer through PWM', () => {
  it('plays the notes of "paid" as PWM periods with 50 % duty, then disables', async () => {
    const { clock, indicator, pwm } = await rig({ passive: true });
    indicator.play('paid');
    clock.advance(10_000);
    expect(pwm.history.map((s) => ({ t: s.at - T0, period: s.periodNs, duty: s.dutyNs, on: s.enabled }))).toEqual([
      { t: 0, period: 758_150, duty: 379_075, on: false },
      { t: 0, period: 758_150, duty: 379_075, on: true },
      { t: 110, period: 758_150, duty: 379_075, on: false },
      { t: 150, period: 637_755, duty: 318_878, on: false },
      { t: 150, period: 637_755, duty: 318_878, on: true },
      { t: 260, period: 637_755, duty: 318_878, on: false },
      { t: 300, period: 477_783, duty: 238_892, on: false },
      { t: 300, period: 477_783, duty: 238_892, on: true },
      { t: 680, period: 477_783, duty: 238_892, on: false },
    ]);
  });

  it('volume low uses a 5 % duty cycle', async () => {
    const { indicator, pwm } = await rig({ passive: true, config: { volume: 'low', ledOnly: false } });
    indicator.play('cancelled');
    const st = pwm.state(0, 1);
    expect(st).toMatchObject({ periodNs: 2_551_020, dutyNs: 127_551, enabled: true });
  });
});

describe('failures', () => {
  it('logs a failing output once, never throws, and says when it works again', async () => {
    const { clock, indicator, gpio, sink, writes } = await rig();
    gpio.fault(RED, 'scripted broken wire');
    expect(() => indicator.play('offline')).not.toThrow();
    clock.advance(9000);
    await new Promise((r) => setImmediate(r));
    const logged = () => sink.lines.map((l) => parseLogLine(l)).filter((l) => l !== undefined && l.level !== 'debug');
    expect(logged()).toEqual([expect.objectContaining({ level: 'warn', msg: 'led write failed', code: 'GPIO_IO' })]);
    expect(indicator.status().faults).toEqual({ led: 'GPIO_IO' });
    expect(writes()).toEqual([]);
    gpio.fault(RED, undefined);
    clock.advance(3000);
    await new Promise((r) => setImmediate(r));
    expect(logged().at(-1)).toEqual(expect.objectContaining({ level: 'info', msg: 'led works again' }));
    expect(indicator.status().faults).toEqual({});
    // The off step at 9100 is the first write after the repair, then the next flash.
    expect(writes()).toEqual([
      { t: 9100, pin: RED, v: 0 },
      { t: 12_000, pin: RED, v: 1 },
    ]);
  });

  it('a closed driver makes writes fail without throwing from play', async () => {
    const { clock, indicator, gpio } = await rig();
    await gpio.close();
    expect(() => indicator.play('paid')).not.toThrow();
    clock.advance(5000);
    await new Promise((r) => setImmediate(r));
    expect(indicator.status().faults).toEqual({ led: 'GPIO_IO', buzzer: 'GPIO_IO' });
  });

  it('close turns everything off and later calls do nothing', async () => {
    const { clock, indicator, gpio } = await rig();
    indicator.play('failed');
    await indicator.close();
    expect(gpio.level(RED)).toBe(0);
    expect(gpio.level(BUZZ)).toBe(0);
    expect(gpio.isOpen(RED)).toBe(false);
    indicator.play('paid');
    clock.advance(1000);
    expect(clock.pendingTimers).toBe(0);
  });
});
