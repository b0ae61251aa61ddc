/**
 * What the cashier hears and sees besides the screen: one pattern per event. A new pattern
 * pre-empts the running one (except `idle`, which lets a one-shot pattern such as `paid` finish).
 * Patterns are data (see patterns.ts); PatternIndicator (pattern-indicator.ts) plays them on
 * whatever LED and buzzer are fitted, built by openSignals (open-signals.ts).
 */
/** `fault`: a part a technician must come for (the panel cannot be opened); see fault-indicator.ts. */
export type SignalEvent = 'waiting' | 'paid' | 'failed' | 'expired' | 'cancelled' | 'offline' | 'provisioning' | 'updating' | 'idle' | 'test' | 'fault';

export interface Indicator {
  play(event: SignalEvent): void;
  /** Stop any pattern and turn everything off. */
  stop(): void;
  close(): Promise<void>;
}
