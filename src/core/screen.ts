/**
 * Screens as data: what the device shows, independent of panel and language. The display
 * subsystem turns a Screen into a frame for the fitted panel; the core only decides which Screen.
 */
export type Lang = 'ja' | 'en' | 'zh' | 'ko';

export interface Money {
  /** Integer amount in minor units (yen, cents, won). */
  readonly amount: number;
  /** ISO 4217 alphabetic code. */
  readonly currency: string;
}

export type Screen =
  | { readonly name: 'unprovisioned'; readonly deviceId: string; readonly consolePort: string }
  | { readonly name: 'connecting'; readonly broker: string }
  | { readonly name: 'idle'; readonly storeName: string; readonly qr?: string; readonly wallets: readonly string[] }
  | {
      readonly name: 'charge';
      readonly orderId: string;
      readonly money: Money;
      readonly qr: string;
      /** Unix ms when the charge expires; the countdown is derived with `now`. */
      readonly expiresAt: number;
      readonly now: number;
      readonly reference?: string;
      readonly storeName: string;
    }
  | { readonly name: 'paid'; readonly money: Money; readonly wallet?: string; readonly orderId: string; readonly late?: boolean }
  | { readonly name: 'failed'; readonly money?: Money; readonly orderId: string; readonly reason?: string }
  | { readonly name: 'expired'; readonly money?: Money; readonly orderId: string }
  | { readonly name: 'cancelled'; readonly money?: Money; readonly orderId: string }
  | { readonly name: 'offline'; readonly since: number; readonly storeName: string }
  | { readonly name: 'updating'; readonly version: string; readonly percent?: number; readonly step: string }
  | { readonly name: 'error'; readonly code: string; readonly action: string }
  | { readonly name: 'status'; readonly lines: readonly string[] }
  | { readonly name: 'test-pattern'; readonly qr: string };

export type ScreenName = Screen['name'];

export const SCREEN_NAMES: readonly ScreenName[] = [
  'unprovisioned',
  'connecting',
  'idle',
  'charge',
  'paid',
  'failed',
  'expired',
  'cancelled',
  'offline',
  'updating',
  'error',
  'status',
  'test-pattern',
];
