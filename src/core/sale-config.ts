import { int, object } from './schema.js';

export const saleConfigSchema = object({
  resultHoldSec: int({ min: 1, max: 600 }).default(8).doc('How long "paid", "failed", "expired" or "cancelled" stays before the idle screen.'),
  lateConfirmationSec: int({ min: 0, max: 3600 }).default(300).doc('A confirmation for a sale that expired this recently still shows "paid" (with a note).'),
  maxChargeSec: int({ min: 10, max: 3600 }).default(600).doc('Longest a charge may stay on screen, whatever its expiresAt says.'),
});
