import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/core/clock.js';
import { createLogger, memorySink, silentLogger } from '../../../src/core/logger.js';
import { signalConfigSchema, type SignalConfig } from '../../../src/signal/config.js';
import { SimGpio } from '../../../src/signal/drivers/sim-gpio.js';
import { SimPwm } from '../../../src/signal/drivers/sim-pwm.js';
import { SimSignalState, type SimSignalSnapshot } from '../../../src/signal/drivers/sim-signal-state.js';
import { openSignals } from '../../../src/signal/open-signals.js';
import { localMinutes } from '../../../src/signal/quiet-hours.js';

function config(input: unknown): SignalConfig {
  const r = signalConfigSchema.safeParse(input);
  if (!r.ok) throw new Error(r.issues.map((i) => i.message).join('; '));
  return r.value;
}

async function rig(input: unknown, gpioOpts: { kernelClaimed?: Record<number, string> } = {}, withPwm = true) {
  const clock = new FakeClock(Date.UTC(2026, 0, 1, 12));
  const gpio = new SimGpio({ clock, ...gpioOpts });
  const pwm = withPwm ? new SimPwm({ clock, chips: [{ chip: 2, npwm: 4 }] }) : undefined;
  const cfg = config(input);
  const state = new SimSignalState({ gpio, pwm, clock, config: cfg });
  const seen: SimSignalSnapshot[] = [];
  state.onChange((s) => seen.push(s));
  const sink = memorySink();
  const signals = await openSignals({ config: cfg, gpio, pwm, clock, logger: createLogger('signal', { sink }), localMinutes: localMinutes('UTC') });
  return { clock, gpio, pwm, state, seen, signals, sink };
}

describe('openSignals + SimSignalState (what the simulator shows)', () => {
  it('default config: dual LED and active buzzer, observed as colours and on/off', async () => {
    const { clock, signals, state, seen } = await rig({});
    expect(state.snapshot()).toMatchObject({ led: 'off', buzzer: { on: false, hz: null } });
    signals.indicator.play('expired');
    expect(state.snapshot()).toMatchObject({ led: 'amber', buzzer: { on: true, hz: null } });
    clock.advance(5000);
    await Promise.resolve();
    // One change per step: the single line writes within a step are merged.
    expect(seen.map((s) => `${s.at - Date.UTC(2026, 0, 1, 12)} ${s.led}/${s.buzzer.on ? 'on' : 'off'}`)).toEqual([
      '0 amber/on',
      '250 off/off',
      '500 amber/off',
      '750 off/off',
      '1000 amber/off',
      '1250 off/off',
    ]);
    expect(seen.at(-1)).toMatchObject({ led: 'off', buzzer: { on: false } });
    expect(signals.problems).toEqual([]);
    expect(signals.button).toBeUndefined();
  });

  it('reports every visible change in order for the paid pattern', async () => {
    const { clock, signals, seen, state } = await rig({});
    const t0 = clock.now();
    signals.indicator.play('paid');
    clock.advance(5000);
    state.flush();
    expect(seen.map((s) => [s.at - t0, s.led, s.buzzer.on])).toEqual([
      [0, 'green', true],
      [110, 'green', false],
      [150, 'green', true],
      [260, 'green', false],
      [300, 'green', true],
      [680, 'green', false],
      [4680, 'off', false],
    ]);
  });

  it('RGB active-low LED and a passive buzzer on a found PWM chip show colour and tone', async () => {
    const { signals, state, pwm } = await rig({
      led: { kind: 'rgb', green: 22, red: 23, blue: 27, activeLow: true },
      buzzer: { kind: 'passive', pin: 13, pwmChannel: 1 },
    });
    signals.indicator.play('failed');
    expect(state.snapshot()).toMatchObject({ led: 'red', buzzer: { on: true, hz: 523 } });
    expect(pwm?.state(2, 1)).toMatchObject({ enabled: true });
  });

  it('a part that cannot open is left out with a clear problem; the rest works', async () => {
    const { signals, state, sink } = await rig({ button: { pin: 8 } }, { kernelClaimed: { 8: 'spi0 CS0' } });
    expect(signals.button).toBeUndefined();
    expect(signals.problems.map((p) => p.code)).toEqual(['GPIO_BUSY']);
    expect(sink.lines.join('\n')).toContain('spi0 CS0');
    signals.indicator.play('paid');
    expect(state.snapshot().led).toBe('green');
  });

  it('a passive buzzer without a PWM driver is a PWM_UNAVAILABLE problem, the LED still works', async () => {
    const { signals, state } = await rig({ buzzer: { kind: 'passive' } }, {}, false);
    expect(signals.problems.map((p) => p.code)).toEqual(['PWM_UNAVAILABLE']);
    expect(signals.problems[0]?.message).toContain('dtoverlay=pwm');
    signals.indicator.play('failed');
    expect(state.snapshot()).toMatchObject({ led: 'red', buzzer: { on: false } });
  });

  it('the button from config gives short and long presses', async () => {
    const { clock, gpio, signals } = await rig({ button: { pin: 26, longPressMs: 800 } });
    const got: string[] = [];
    signals.button?.on('short', () => got.push('short'));
    signals.button?.on('long', () => got.push('long'));
    gpio.pressFor(26, 200);
    clock.advance(1000);
    gpio.pressFor(26, 2000);
    clock.advance(3000);
    expect(got).toEqual(['short', 'long']);
    await signals.close();
    expect(gpio.isOpen(26)).toBe(false);
    expect(gpio.isOpen(5)).toBe(false);
  });

  it('close turns the LED off and frees every line', async () => {
    const { signals, gpio, state } = await rig({});
    signals.indicator.play('provisioning');
    await signals.close();
    expect(state.snapshot().led).toBe('off');
    for (const pin of [5, 6, 13]) expect(gpio.isOpen(pin)).toBe(false);
  });
});

describe('signal config', () => {
  it('has working defaults', () => {
    expect(config({})).toEqual({
      led: { kind: 'dual', green: 5, red: 6, activeLow: false },
      buzzer: { kind: 'active', pin: 13, activeLow: false, pwmChannel: 1 },
      volume: 'on',
      ledOnly: false,
    });
  });

  it('refuses an RGB LED without blue, and two parts on one pin, saying which', () => {
    const rgb = signalConfigSchema.safeParse({ led: { kind: 'rgb' } });
    expect(rgb.ok).toBe(false);
    if (!rgb.ok) expect(rgb.issues[0]?.message).toContain('blue pin');
    const clash = signalConfigSchema.safeParse({ button: { pin: 5 } });
    expect(clash.ok).toBe(false);
    if (!clash.ok) expect(clash.issues[0]?.message).toContain('led.green and button.pin are both BCM 5');
    expect(signalConfigSchema.safeParse({ buzzer: { kind: 'passive', pin: 5 } }).ok).toBe(true); // PWM pins are not GPIO lines
  });

  it('refuses bad quiet hours and volume', () => {
    expect(signalConfigSchema.safeParse({ quietHours: { start: '25:00', end: '07:00' } }).ok).toBe(false);
    expect(signalConfigSchema.safeParse({ volume: 'loud' }).ok).toBe(false);
    expect(signalConfigSchema.safeParse({ volume: 'low' }).ok).toBe(true);
  });

  it('marks the pin keys as needing a restart and the live keys as live', () => {
    const shape = signalConfigSchema.shape!;
    expect(shape.led!.meta.restart).toBe(true);
    expect(shape.button!.meta.restart).toBe(true);
    expect(shape.volume!.meta.restart).toBe(false);
    expect(shape.quietHours!.meta.restart).toBe(false);
    expect(silentLogger.namespace).toBe('silent');
  });
});
