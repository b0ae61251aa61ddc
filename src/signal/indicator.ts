/**
 * What the cashier hears and sees besides the screen: one pattern per event. A new pattern
 * pre-empts the running one. Patterns are data (see patterns.ts); the Indicator plays them on
 * whatever LED and buzzer are fitted.
 */
export type SignalEvent = 'waiting' | 'paid' | 'failed' | 'expired' | 'cancelled' | 'offline' | 'provisioning' | 'updating' | 'idle' | 'test';

export interface Indicator {
  play(event: SignalEvent): void;
  /** Stop any pattern and turn everything off. */
  stop(): void;
  close(): Promise<void>;
}
