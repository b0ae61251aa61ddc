/**
 * The device's voice: what the sale says (a payment, a result, the link going down) turned into a
 * phrase in the configured language and handed to the Announcer; the button's replay and the
 * day's takings. Only the language is read here, live, from the settings.
 */
import type { Announcer } from './announcer.js';
import type { VoiceLang } from './money-words.js';
import { paidPhrase, shortPhrase, takingsPhrase, type TakingsLine } from './phrases.js';

/** What a Device tells its voice, after the decision is persisted and published. */
export type SaleAnnouncement =
  | { readonly type: 'paid'; readonly amount: number; readonly currency: string; readonly wallet?: string }
  | { readonly type: 'failed' | 'expired' | 'cancelled' | 'offline' };

export interface VoiceOptions {
  readonly announcer: Announcer;
  /** The announcement language now (voice.language, or display.language for "display"). */
  readonly language: () => VoiceLang;
}

export class Voice {
  readonly announcer: Announcer;
  readonly #language: () => VoiceLang;

  constructor(o: VoiceOptions) {
    this.announcer = o.announcer;
    this.#language = o.language;
  }

  announce(a: SaleAnnouncement): void {
    const lang = this.#language();
    this.announcer.say(a.type === 'paid' ? paidPhrase(lang, a.amount, a.currency, a.wallet) : shortPhrase(lang, a.type));
  }

  /** The button's short press while idle: the last payment's announcement again. */
  replay(last: { readonly amount: number; readonly currency: string; readonly wallet?: string }): void {
    this.announcer.say(paidPhrase(this.#language(), last.amount, last.currency, last.wallet, 'replay'));
  }

  /** The button's long press: the day's takings. */
  readTakings(lines: readonly TakingsLine[]): void {
    this.announcer.say(takingsPhrase(this.#language(), lines));
  }
}

/** voice.language resolved: "display" follows the screens' language. */
export function voiceLanguage(configured: 'display' | VoiceLang, display: VoiceLang): VoiceLang {
  return configured === 'display' ? display : configured;
}
