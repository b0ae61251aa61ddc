/**
 * A verified signed message as an event for the sale machine. A charge without a `qr` gets the
 * dynamic EMV payload built from the merchant profile; when that is impossible (no profile, a
 * currency the profile does not take) the charge is refused with the reason. Pure.
 */
import type { SaleEvent } from '../core/sale-state.js';
import type { SignedMessage } from '../link/contract.js';
import type { MerchantConfig } from '../payment/emv-encode.js';
import { emvDynamicQr, type DynamicQrBuilder } from './dynamic-qr.js';

export function toSaleEvent(
  msg: SignedMessage,
  at: number,
  merchant: MerchantConfig | undefined,
  buildQr: DynamicQrBuilder = emvDynamicQr,
): SaleEvent | { reject: string } {
  switch (msg.typ) {
    case 'cancel':
      return { type: 'cancel', at, orderId: msg.orderId };
    case 'payment': {
      const { orderId, amount, currency, status, wallet, providerTxnId, paidAt } = msg;
      return { type: 'payment', at, payment: { orderId, amount, currency, status, ...(wallet !== undefined ? { wallet } : {}), providerTxnId, paidAt } };
    }
    case 'charge': {
      let qr = msg.qr;
      if (qr === undefined) {
        if (merchant === undefined) return { reject: 'no merchant profile to build a QR from' };
        try {
          qr = buildQr(merchant, msg.amount, msg.currency, msg.orderId);
        } catch (e) {
          return { reject: e instanceof Error ? e.message : String(e) };
        }
      }
      const { orderId, amount, currency, reference, expiresAt } = msg;
      return { type: 'charge', at, charge: { orderId, amount, currency, qr, ...(reference !== undefined ? { reference } : {}), expiresAt } };
    }
  }
}
