import { describe, expect, it } from 'vitest';
import { amountFlag, amountNote } from '../../../src/cli/backend.js';

describe('tillqr backend --amount: the amount as a customer reads it, minor units on the wire', () => {
  it('reads currency units like render, emv encode and the page', () => {
    expect(amountFlag('1200', 'JPY')).toBe(1200);
    expect(amountFlag('12.50', 'USD')).toBe(1250);
    expect(amountFlag('12.5', 'USD')).toBe(1250);
    expect(amountFlag('1.250', 'KWD')).toBe(1250);
  });

  it('refuses what is not an amount of that currency, saying what to write', () => {
    expect(() => amountFlag('12.50', 'JPY')).toThrow(/no decimal places.*"1200" JPY, "12.50" USD/);
    expect(() => amountFlag('12.505', 'USD')).toThrow(/too many decimals/);
    expect(() => amountFlag('1,200', 'JPY')).toThrow(/not an amount/);
    expect(() => amountFlag('0', 'JPY')).toThrow(/above zero/);
    expect(() => amountFlag('99999999999.99', 'USD')).toThrow(/at most 9999999999.99 USD/);
  });

  it('says what the amount means, with a hint when it looks like minor units typed by habit', () => {
    expect(amountNote('12.50', 1250, 'USD')).toBe('amount: 12.50 USD (1250 minor units on the wire)');
    expect(amountNote('1200', 1200, 'JPY')).toBe('amount: 1200 JPY (1200 minor units on the wire)');
    expect(amountNote('1250', 125000, 'USD')).toBe('amount: 1250.00 USD (125000 minor units on the wire); if you meant 12.50 USD, write --amount 12.50');
  });
});
