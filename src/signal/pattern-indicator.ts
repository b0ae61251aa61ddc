/**
 * Plays one pattern per SignalEvent on the fitted LED and buzzer. A new event pre-empts the
 * running pattern at once (except `idle`, which lets a one-shot pattern such as `paid` finish:
 * the melody must not be cut by the screen going back to idle). Playing the event of a looping
 * pattern that is already running changes nothing; a one-shot pattern starts again. Nothing blocks: steps are
 * scheduled on the Clock, writes are fired without waiting, and a failed write is logged (once
 * per fault, and again when it recovers), never thrown. Volume, "LED only" and quiet hours are
 * read at every step and re-applied at once by `applyConfig`, so config changes apply live.
 */
import type { Clock, TimerHandle } from '../core/clock.js';
import { toTillqrError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Buzzer, Loudness } from './buzzer.js';
import type { Indicator, SignalEvent } from './indicator.js';
import type { Led } from './led.js';
import { PATTERNS, type Pattern, type PatternStep } from './patterns.js';
import { isQuietAt, localMinutes, type LocalMinutes, type QuietHours } from './quiet-hours.js';

/** The live part of the signal config (keys that apply without a restart). */
export interface SignalLiveConfig {
  readonly volume: 'on' | 'low' | 'off';
  readonly ledOnly: boolean;
  readonly quietHours?: QuietHours | undefined;
}

export interface PatternIndicatorOptions {
  led: Led;
  buzzer: Buzzer;
  clock: Clock;
  logger: Logger;
  config: SignalLiveConfig;
  /** Override patterns (tests, or a shop's own); default PATTERNS. */
  patterns?: Readonly<Record<SignalEvent, Pattern>>;
  /** Local time source for quiet hours; default the process time zone. */
  localMinutes?: LocalMinutes;
}

export interface IndicatorStatus {
  /** The event whose pattern is playing, or undefined when everything is off. */
  readonly event: SignalEvent | undefined;
  readonly step: number;
  readonly soundAllowed: boolean;
  /** Error codes of outputs that are failing right now. */
  readonly faults: { readonly led?: string; readonly buzzer?: string };
}

type Output = 'led' | 'buzzer';

export class PatternIndicator implements Indicator {
  readonly #led: Led;
  readonly #buzzer: Buzzer;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #patterns: Readonly<Record<SignalEvent, Pattern>>;
  readonly #localMinutes: LocalMinutes;
  #config: SignalLiveConfig;
  #event: SignalEvent | undefined;
  #pattern: Pattern | undefined;
  #index = 0;
  #timer: TimerHandle | undefined;
  #closed = false;
  readonly #faults = new Map<Output, string>();

  constructor(opts: PatternIndicatorOptions) {
    this.#led = opts.led;
    this.#buzzer = opts.buzzer;
    this.#clock = opts.clock;
    this.#log = opts.logger;
    this.#config = opts.config;
    this.#patterns = opts.patterns ?? PATTERNS;
    this.#localMinutes = opts.localMinutes ?? localMinutes();
  }

  play(event: SignalEvent): void {
    if (this.#closed) return;
    if (event === 'idle' && this.#pattern !== undefined && this.#pattern.loopFrom === undefined) {
      this.#log.debug(() => `idle requested; letting ${this.#event ?? '?'} finish`);
      return;
    }
    if (event === this.#event && this.#pattern?.loopFrom !== undefined) return; // already looping: no second chirp
    this.#cancel();
    this.#event = event;
    this.#pattern = this.#patterns[event];
    this.#index = 0;
    this.#log.debug(() => `play ${event}`);
    this.#run();
  }

  stop(): void {
    if (this.#closed) return;
    this.#cancel();
    this.#off();
  }

  /** Apply new live settings now: a buzzer sounding when it no longer may is silenced at once. */
  applyConfig(config: SignalLiveConfig): void {
    this.#config = config;
    if (this.#closed) return;
    const step = this.#currentStep();
    this.#guard('buzzer', this.#buzzer.sound(step === undefined ? 0 : this.#hzFor(step), this.#loudness()));
  }

  status(): IndicatorStatus {
    const faults: { led?: string; buzzer?: string } = {};
    const led = this.#faults.get('led');
    const buzzer = this.#faults.get('buzzer');
    if (led !== undefined) faults.led = led;
    if (buzzer !== undefined) faults.buzzer = buzzer;
    return { event: this.#event, step: this.#index, soundAllowed: this.#soundAllowed(), faults };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#cancel();
    this.#closed = true;
    await Promise.allSettled([this.#led.show('off'), this.#buzzer.sound(0, 'normal')]);
    await Promise.allSettled([this.#led.close(), this.#buzzer.close()]);
  }

  #cancel(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#event = undefined;
    this.#pattern = undefined;
    this.#index = 0;
  }

  #currentStep(): PatternStep | undefined {
    return this.#pattern?.steps[this.#index];
  }

  #run(): void {
    const pattern = this.#pattern;
    if (pattern === undefined) return;
    let step = pattern.steps[this.#index];
    if (step === undefined && pattern.loopFrom !== undefined && pattern.loopFrom < pattern.steps.length) {
      this.#index = pattern.loopFrom;
      step = pattern.steps[this.#index];
    }
    if (step === undefined) {
      // A one-shot pattern ended.
      this.#cancel();
      this.#off();
      return;
    }
    this.#guard('led', this.#led.show(step.led));
    this.#guard('buzzer', this.#buzzer.sound(this.#hzFor(step), this.#loudness()));
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.#index += 1;
      this.#run();
    }, step.ms);
  }

  #off(): void {
    this.#guard('led', this.#led.show('off'));
    this.#guard('buzzer', this.#buzzer.sound(0, this.#loudness()));
  }

  #soundAllowed(): boolean {
    const c = this.#config;
    if (c.volume === 'off' || c.ledOnly) return false;
    return !isQuietAt(c.quietHours, this.#localMinutes(this.#clock.now()));
  }

  #hzFor(step: PatternStep): number {
    return step.hz > 0 && this.#soundAllowed() ? step.hz : 0;
  }

  #loudness(): Loudness {
    return this.#config.volume === 'low' ? 'low' : 'normal';
  }

  #guard(output: Output, p: Promise<void>): void {
    p.then(
      () => {
        if (this.#faults.delete(output)) this.#log.info(`${output} works again`);
      },
      (e: unknown) => {
        const err = toTillqrError(e, 'GPIO_IO');
        if (this.#faults.get(output) === err.code) return;
        this.#faults.set(output, err.code);
        this.#log.warn(`${output} write failed`, { code: err.code, error: err.message });
      },
    );
  }
}
