/**
 * The display as the Device sees it: `show(screen)` returns at once. The screen is rendered for
 * the fitted panel, rotation and language (read live from config), and handed to the refresh
 * scheduler, which draws the latest frame when the panel is free. While a charge is on screen its
 * countdown is redrawn every `countdownStepSec`. A QR that cannot be drawn scannably becomes the
 * `error` screen, never a blurred code.
 *
 * Given a PanelSupervisor (a panel that may not have opened), it renders nothing while the panel is
 * absent, reports each failed open attempt as 'panel-error' (and in `lastError`), and draws the
 * current screen with a full refresh as soon as the panel opens.
 */
import { EventEmitter } from 'node:events';
import type { Clock, TimerHandle } from '../core/clock.js';
import { toTillqrError, type TillqrError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Lang, Screen } from '../core/screen.js';
import type { Frame } from './frame.js';
import type { Panel } from './panel.js';
import { PanelSupervisor } from './panel-supervisor.js';
import { RefreshScheduler } from './refresh-scheduler.js';
import { amountShowable } from './render/fit.js';
import { renderOrError, type Renderer, type RenderOptions } from './render/renderer.js';
import type { Rotation } from './render/to-frame.js';

export interface DisplayLiveConfig {
  readonly rotation: Rotation;
  readonly language: Lang;
  /** display.secondLanguage (default English). */
  readonly secondLanguage?: Lang | 'none';
  /** display.lcdColour (default true: each screen its colours). */
  readonly lcdColour?: boolean;
  readonly countdownStepSec: number;
  readonly partialRefreshLimit: number;
}

export interface DisplayServiceOptions {
  panel: Panel;
  renderer: Renderer;
  clock: Clock;
  logger: Logger;
  config: () => DisplayLiveConfig;
  renderOptions?: RenderOptions;
}

export class DisplayService extends EventEmitter<{ drawn: [Frame]; 'panel-error': [TillqrError] }> {
  readonly panel: Panel;
  readonly scheduler: RefreshScheduler;
  readonly #renderer: Renderer;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #config: () => DisplayLiveConfig;
  readonly #renderOptions: RenderOptions;
  #screen: Screen | undefined;
  #key = '';
  #tick: TimerHandle | undefined;
  #drawnOnce = false;
  readonly #supervisor: PanelSupervisor | undefined;

  constructor(o: DisplayServiceOptions) {
    super();
    this.panel = o.panel;
    this.#renderer = o.renderer;
    this.#clock = o.clock;
    this.#log = o.logger;
    this.#config = o.config;
    this.#renderOptions = o.renderOptions ?? {};
    this.scheduler = new RefreshScheduler({
      panel: o.panel,
      clock: o.clock,
      logger: o.logger.child('refresh'),
      partialRefreshLimit: o.config().partialRefreshLimit,
    });
    this.scheduler.on('refreshed', (e) => {
      this.#drawnOnce = true;
      this.emit('drawn', e.frame);
    });
    this.scheduler.on('panel-error', (e) => this.emit('panel-error', e));
    if (o.panel instanceof PanelSupervisor) {
      const sup = o.panel;
      this.#supervisor = sup;
      sup.on('open-failed', (f) => this.emit('panel-error', f.error));
      sup.on('opened', () => this.#onOpened());
    }
  }

  /** The panel is open (always, unless it is supervised and has not opened yet). */
  /** Whether a charge screen's amount can be drawn whole on the panel as mounted now (other screens: true). */
  fits(screen: Screen): boolean {
    if (screen.name !== 'charge') return true;
    const c = this.#config();
    return amountShowable(this.#renderer, screen, this.panel.info, c.rotation, c.language);
  }

  get available(): boolean {
    return this.#supervisor?.isOpen ?? true;
  }

  /** The screen last asked for. */
  get screen(): Screen | undefined {
    return this.#screen;
  }

  /** Health for the watchdog and the release health window: a frame reached the panel and the last refresh worked. */
  get healthy(): boolean {
    return this.#drawnOnce && this.scheduler.lastError === undefined;
  }

  get lastError(): TillqrError | undefined {
    return this.scheduler.lastError ?? this.#supervisor?.lastError;
  }

  show(screen: Screen): void {
    this.#screen = screen;
    const key = screenKey(screen);
    const changed = key !== this.#key;
    this.#key = key;
    this.#draw(screen, changed);
    this.#armCountdown(screen);
  }

  /** Draw the current screen again (after a live rotation or language change). */
  redraw(): void {
    if (this.#screen !== undefined) this.#draw(this.#screen, true);
  }

  async close(): Promise<void> {
    this.#stopCountdown();
    await this.scheduler.close();
  }

  /** The panel appeared: draw what should be on it now. */
  #onOpened(): void {
    const screen = this.#screen;
    if (screen === undefined) return;
    this.#draw(screen.name === 'charge' ? { ...screen, now: this.#clock.now() } : screen, true);
  }

  #draw(screen: Screen, screenChanged: boolean): void {
    if (!this.available) {
      this.#log.debug(() => `panel not open: ${screen.name} is drawn when it opens`);
      return;
    }
    const c = this.#config();
    let frame: Frame;
    try {
      const r = renderOrError(this.#renderer, screen, this.panel.info, c.rotation, c.language, withSecond(this.#renderOptions, c));
      frame = r.frame;
      if (r.error !== undefined) {
        this.#log.error('the QR cannot be drawn scannably on this panel', { screen: screen.name, code: r.error.code, error: r.error.message });
        screenChanged = true;
      }
    } catch (e) {
      const err = toTillqrError(e);
      this.#log.error('cannot draw the screen', { screen: screen.name, code: err.code, error: err.message });
      try {
        frame = this.#renderer.render(
          { name: 'error', code: err.code, action: 'Restart the device; if this stays, report the code to support.' },
          this.panel.info,
          c.rotation,
          c.language,
          withSecond(this.#renderOptions, c),
        );
      } catch (e2) {
        this.#log.error('cannot draw the error screen either', { error: e2 });
        return;
      }
      screenChanged = true;
    }
    this.scheduler.submit(frame, { screenChanged });
  }

  #armCountdown(screen: Screen): void {
    this.#stopCountdown();
    if (screen.name !== 'charge') return;
    const stepMs = this.#config().countdownStepSec * 1000;
    const next = (): void => {
      const now = this.#clock.now();
      if (this.#screen !== screen || now >= screen.expiresAt) return;
      // Tick on whole steps of the remaining time, so every device shows the same numbers.
      const remaining = screen.expiresAt - now;
      const wait = remaining % stepMs || stepMs;
      this.#tick = this.#clock.setTimeout(() => {
        this.#tick = undefined;
        if (this.#screen !== screen) return;
        this.#draw({ ...screen, now: this.#clock.now() }, false);
        next();
      }, wait);
    };
    next();
  }

  #stopCountdown(): void {
    if (this.#tick !== undefined) this.#clock.clearTimeout(this.#tick);
    this.#tick = undefined;
  }
}

/** Screens with the same key are one screen changing a little (a full refresh is not needed). */
function screenKey(s: Screen): string {
  switch (s.name) {
    case 'charge':
    case 'paid':
    case 'failed':
    case 'expired':
    case 'cancelled':
      return `${s.name}:${s.orderId}`;
    case 'updating':
      return `${s.name}:${s.version}`;
    case 'unprovisioned':
    case 'connecting':
    case 'idle':
    case 'offline':
    case 'error':
    case 'status':
    case 'test-pattern':
      return s.name;
  }
}

function withSecond(o: RenderOptions, c: DisplayLiveConfig): RenderOptions {
  const colours = c.lcdColour === false ? { lcdColours: 'mono' as const } : {};
  return c.secondLanguage === undefined ? { ...o, ...colours } : { ...o, ...colours, secondLanguage: c.secondLanguage };
}
