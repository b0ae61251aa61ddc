import { boolean, int, object } from '../core/schema.js';

export const fleetConfigSchema = object({
  updates: boolean().default(true).doc('Accept signed software updates.'),
  healthWindowSec: int({ min: 10, max: 3600 }).default(90).doc('A new release must connect to the broker and draw the display within this time, or it is rolled back.'),
  maxBootAttempts: int({ min: 1, max: 10 }).default(3).doc('Crash-loop limit for an uncommitted release.'),
});
