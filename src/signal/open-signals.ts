/**
 * Builds the signal parts from the config on whatever Gpio and Pwm it is given (sysfs on a Pi,
 * the simulated ones in the simulator and tests). A part that cannot be opened (pin busy, no
 * permission, no PWM) is left out with a clear error in `problems` and a log line: the till keeps
 * taking payments with a silent or dark indicator rather than not starting at all.
 */
import type { Clock } from '../core/clock.js';
import { toTillqrError, type TillqrError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { Button } from './button.js';
import { ActiveBuzzer, NoBuzzer, PassiveBuzzer, type Buzzer } from './buzzer.js';
import type { SignalConfig } from './config.js';
import { pwmUnavailable } from './drivers/gpio-errors.js';
import type { Gpio, OutputLine } from './gpio.js';
import { LineLed, NoLed, type Led } from './led.js';
import { PatternIndicator, type SignalLiveConfig } from './pattern-indicator.js';
import type { Pwm } from './pwm.js';
import type { LocalMinutes } from './quiet-hours.js';

export interface OpenSignalsOptions {
  config: SignalConfig;
  gpio: Gpio;
  /** Needed only for a passive buzzer. */
  pwm?: Pwm | undefined;
  clock: Clock;
  logger: Logger;
  localMinutes?: LocalMinutes;
}

export interface Signals {
  readonly indicator: PatternIndicator;
  readonly button: Button | undefined;
  /** Parts that could not be opened, each a TillqrError saying what to do. */
  readonly problems: readonly TillqrError[];
  close(): Promise<void>;
}

export function liveConfig(c: Pick<SignalConfig, 'volume' | 'ledOnly' | 'quietHours'>): SignalLiveConfig {
  return { volume: c.volume, ledOnly: c.ledOnly, quietHours: c.quietHours };
}

/** PWM channel per pin that is the same on every Pi (BCM 18/19 differ between Pi 4 and Pi 5). */
const PWM_CHANNEL_OF_PIN: Readonly<Record<number, number>> = { 12: 0, 13: 1 };

async function openLed(o: OpenSignalsOptions, problems: TillqrError[]): Promise<Led> {
  const c = o.config.led;
  if (c.kind === 'none') return new NoLed();
  const opened: OutputLine[] = [];
  const open = async (pin: number): Promise<OutputLine> => {
    const line = await o.gpio.output(pin, { activeLow: c.activeLow, initial: 0 });
    opened.push(line);
    return line;
  };
  try {
    const green = await open(c.green);
    const red = await open(c.red);
    const blue = c.kind === 'rgb' && c.blue !== undefined ? await open(c.blue) : undefined;
    return new LineLed({ green, red, blue });
  } catch (e) {
    await Promise.allSettled(opened.map((l) => l.close()));
    problems.push(toTillqrError(e, 'GPIO_IO'));
    return new NoLed();
  }
}

async function openBuzzer(o: OpenSignalsOptions, problems: TillqrError[]): Promise<Buzzer> {
  const c = o.config.buzzer;
  try {
    switch (c.kind) {
      case 'none':
        return new NoBuzzer();
      case 'active':
        return new ActiveBuzzer(await o.gpio.output(c.pin, { activeLow: c.activeLow, initial: 0 }));
      case 'passive': {
        if (o.pwm === undefined) throw pwmUnavailable('this build has no PWM driver');
        const expected = PWM_CHANNEL_OF_PIN[c.pin];
        if (expected !== undefined && expected !== c.pwmChannel) {
          o.logger.warn('buzzer pin and PWM channel do not match', { pin: c.pin, pwmChannel: c.pwmChannel, expected });
        }
        const channel = await o.pwm.open(c.pwmChip === undefined ? { channel: c.pwmChannel } : { chip: c.pwmChip, channel: c.pwmChannel });
        return new PassiveBuzzer(channel);
      }
    }
  } catch (e) {
    problems.push(toTillqrError(e, 'GPIO_IO'));
    return new NoBuzzer();
  }
}

async function openButton(o: OpenSignalsOptions, problems: TillqrError[]): Promise<Button | undefined> {
  const c = o.config.button;
  if (c === undefined) return undefined;
  try {
    const line = await o.gpio.input(c.pin, { activeLow: c.activeLow, debounceMs: c.debounceMs });
    const button = new Button({ line, clock: o.clock, logger: o.logger.child('button'), longPressMs: c.longPressMs });
    try {
      await button.start();
    } catch (e) {
      await button.close().catch(() => undefined);
      throw e;
    }
    return button;
  } catch (e) {
    problems.push(toTillqrError(e, 'GPIO_IO'));
    return undefined;
  }
}

export async function openSignals(o: OpenSignalsOptions): Promise<Signals> {
  const problems: TillqrError[] = [];
  const led = await openLed(o, problems);
  const buzzer = await openBuzzer(o, problems);
  const button = await openButton(o, problems);
  for (const p of problems) o.logger.error('signal part not available', { code: p.code, error: p.message });
  const indicator = new PatternIndicator({
    led,
    buzzer,
    clock: o.clock,
    logger: o.logger.child('indicator'),
    config: liveConfig(o.config),
    ...(o.localMinutes === undefined ? {} : { localMinutes: o.localMinutes }),
  });
  return {
    indicator,
    button,
    problems,
    async close() {
      await indicator.close();
      await button?.close();
    },
  };
}
