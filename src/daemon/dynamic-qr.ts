/**
 * The QR for a charge that carries none: a dynamic EMV MPM payload from the merchant profile with
 * the amount and the order id as reference label (EMV 62.05).
 */
import { TillqrError } from '../core/errors.js';
import { encodeEmv, type MerchantConfig } from '../payment/emv-encode.js';

export type DynamicQrBuilder = (merchant: MerchantConfig, amount: number, currency: string, orderId: string) => string;

export const emvDynamicQr: DynamicQrBuilder = (merchant, amount, currency, orderId) => {
  if (currency !== merchant.currency) {
    throw new TillqrError('EMV_INVALID_FIELD', `the charge is in ${currency} but the merchant profile's currency is ${merchant.currency}`, { currency });
  }
  return encodeEmv({ merchant, amount, referenceLabel: orderId });
};
