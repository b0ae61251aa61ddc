/**
 * Sample screens with realistic data: the gallery, the `render` CLI's defaults and the benchmark
 * draw these. The EMV payload is a well-formed merchant-presented QR with a valid CRC.
 */
import type { Lang, Screen, ScreenName } from '../../core/screen.js';
import { currencyByAlpha } from '../../payment/currencies.js';
import { decimalString } from '../../payment/money.js';

/** CRC-16/CCITT-FALSE as EMV MPM uses it (tag 63). */
export function emvCrc(text: string): string {
  let crc = 0xffff;
  for (const b of Buffer.from(text, 'utf8')) {
    crc ^= b << 8;
    for (let i = 0; i < 8; i++) crc = (crc & 0x8000) !== 0 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc.toString(16).toUpperCase().padStart(4, '0');
}

function tlv(tag: string, value: string): string {
  return `${tag}${String(value.length).padStart(2, '0')}${value}`;
}

/** An EMV MPM payload (dynamic when an amount is given) with its CRC. */
export function sampleEmv(opts: { amount?: string; currency?: string; country?: string; merchant?: string; city?: string; bill?: string } = {}): string {
  const body = [
    tlv('00', '01'),
    tlv('01', opts.amount === undefined ? '11' : '12'),
    tlv('26', tlv('00', 'jp.co.tillqr.pay') + tlv('01', '4912345678901')),
    tlv('52', '5812'),
    tlv('53', opts.currency ?? '392'),
    ...(opts.amount === undefined ? [] : [tlv('54', opts.amount)]),
    tlv('58', opts.country ?? 'JP'),
    tlv('59', opts.merchant ?? 'SAKURA COFFEE'),
    tlv('60', opts.city ?? 'TOKYO'),
    ...(opts.bill === undefined ? [] : [tlv('62', tlv('01', opts.bill))]),
  ].join('');
  const withTag = `${body}6304`;
  return withTag + emvCrc(withTag);
}

const STORE: Record<Lang, string> = { ja: 'さくら珈琲 渋谷店', en: 'Sakura Coffee Shibuya', zh: '樱花咖啡 涩谷店', ko: '사쿠라 커피 시부야점' };

export interface SampleInput {
  readonly lang?: Lang;
  readonly amount?: number;
  readonly currency?: string;
  readonly qr?: string;
  readonly store?: string;
  readonly now?: number;
}

/** A sample of each screen; `input` overrides the amount, currency, QR payload and store name. */
export function sampleScreen(name: ScreenName, input: SampleInput = {}): Screen {
  const lang = input.lang ?? 'ja';
  const money = { amount: input.amount ?? 1280, currency: input.currency ?? 'JPY' };
  const storeName = input.store ?? STORE[lang];
  const now = input.now ?? Date.UTC(2025, 5, 1, 3, 15, 0);
  const cur = currencyByAlpha(money.currency);
  const qr =
    input.qr ??
    sampleEmv({
      amount: decimalString(money.amount, cur?.minorUnits ?? 0),
      currency: cur?.numeric ?? '392',
      country: cur?.alpha === 'JPY' || cur === undefined ? 'JP' : 'US',
      bill: 'A-1042',
    });
  switch (name) {
    case 'unprovisioned':
      return { name, deviceId: 'tq-7f3a91c2', consolePort: '/dev/ttyGS0' };
    case 'connecting':
      return { name, broker: 'mqtts://broker.tillqr.example:8883' };
    case 'idle':
      return { name, storeName, wallets: ['PayPay', 'd払い', 'Alipay+', 'WeChat Pay', 'KakaoPay'], qr: input.qr ?? sampleEmv() };
    case 'charge':
      return { name, orderId: 'ord_01J9Z7', reference: 'A-1042', money, qr, expiresAt: now + 4 * 60_000 + 32_000, now, storeName };
    case 'paid':
      return { name, money, wallet: 'PayPay', orderId: 'ord_01J9Z7' };
    case 'failed':
      return { name, money, orderId: 'ord_01J9Z7', reason: 'declined by wallet' };
    case 'expired':
      return { name, money, orderId: 'ord_01J9Z7' };
    case 'cancelled':
      return { name, money, orderId: 'ord_01J9Z7' };
    case 'offline':
      return { name, since: now - 7 * 60_000, storeName };
    case 'updating':
      return { name, version: '1.4.2', percent: 62, step: 'verifying signature' };
    case 'error':
      return { name, code: 'PANEL_BUSY_TIMEOUT', action: 'Check the ribbon cable between the panel and the HAT, then restart the device.' };
    case 'status':
      return {
        name,
        lines: ['device tq-7f3a91c2', 'firmware 1.4.1', 'broker connected 12 ms', 'panel waveshare-2in9-v2 @90', 'wifi -61 dBm', 'uptime 3 d 04:12'],
      };
    case 'test-pattern':
      return { name, qr: 'https://tillqr.example/t/tq-7f3a91c2' };
  }
}
