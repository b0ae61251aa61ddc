import { array, object, record, string } from '../core/schema.js';
import { currencyByAlpha } from './currencies.js';

const TAG = /^[0-9]{2}$/;

export const merchantAccountSchema = object({
  id: string({ pattern: /^(2[6-9]|[34][0-9]|5[01])$/, expected: 'a merchant account template id from "26" to "51"' }),
  fields: record(string({ min: 1, max: 99 }), { key: TAG, keyExpected: 'a two-digit sub-tag' }),
});

export const merchantConfigSchema = object({
  name: string({ min: 1, max: 25 }).doc('Store name as printed in the QR (EMV tag 59, at most 25 characters).'),
  displayName: string({ min: 1, max: 64 }).optional().doc('Store name shown on the screen (may be in Japanese); defaults to name.'),
  city: string({ min: 1, max: 15 }).doc('City (EMV tag 60).'),
  postalCode: string({ min: 1, max: 10 }).optional().doc('Postal code (EMV tag 61).'),
  country: string({ pattern: /^[A-Z]{2}$/, expected: 'an ISO 3166-1 alpha-2 country code such as "JP"' }),
  mcc: string({ pattern: /^[0-9]{4}$/, expected: 'a 4-digit merchant category code' }),
  // In use, not merely three letters: "YEN" would pass a pattern and fail the first sale.
  currency: string({ pattern: /^[A-Z]{3}$/, expected: 'an ISO 4217 alphabetic currency code such as "JPY"' }).refine((c) =>
    currencyByAlpha(c) !== undefined
      ? undefined
      : { expected: 'an ISO 4217 currency code in use', message: `${JSON.stringify(c)} is not an ISO 4217 currency code in use (e.g. "JPY", "USD", "KRW")` },
  ),
  accounts: array(merchantAccountSchema, { max: 26 })
    .optional()
    .doc('Merchant account templates (EMV tags 26-51); without them the device shows only QR payloads from the backend.'),
  staticQr: string({ min: 1, max: 1024 }).optional().doc('The static store QR payload shown when idle.'),
  alternateLanguage: object({
    language: string({ pattern: /^[A-Z]{2}$/, expected: 'a 2-letter language code such as "JA"' }),
    name: string({ min: 1, max: 25 }),
    city: string({ min: 1, max: 15 }).optional(),
  })
    .optional()
    .doc('EMV tag 64: store name (and city) in the local language, e.g. JA for JPQR.'),
});
