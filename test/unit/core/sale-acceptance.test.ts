import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkClaims, MAX_TOKEN_LIFETIME_SEC, rememberUntilMs } from '../../../src/core/acceptance.js';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const now = NOW / 1000;
const ctx = { deviceId: 'till-1', nowMs: NOW, skewSec: 60 };

describe('claim checks', () => {
  it('accepts a fresh message for this device', () => {
    expect(checkClaims({ aud: 'till-1', iat: now, exp: now + 300 }, ctx)).toBeUndefined();
  });

  it('honours the clock skew at both ends and nothing beyond it', () => {
    expect(checkClaims({ aud: 'till-1', iat: now + 60, exp: now + 300 }, ctx)).toBeUndefined();
    expect(checkClaims({ aud: 'till-1', iat: now + 61, exp: now + 300 }, ctx)).toBe('not_yet_valid');
    expect(checkClaims({ aud: 'till-1', iat: now - 400, exp: now - 60 }, ctx)).toBeUndefined();
    expect(checkClaims({ aud: 'till-1', iat: now - 400, exp: now - 61 }, ctx)).toBe('expired');
  });

  it('refuses another audience before looking at times, and too long lifetimes', () => {
    expect(checkClaims({ aud: 'till-2', iat: now + 9999, exp: now - 9999 }, ctx)).toBe('wrong_audience');
    expect(checkClaims({ aud: 'TILL-1', iat: now, exp: now + 10 }, ctx)).toBe('wrong_audience');
    expect(checkClaims({ aud: 'till-1', iat: now, exp: now + MAX_TOKEN_LIFETIME_SEC + 60 }, ctx)).toBeUndefined();
    expect(checkClaims({ aud: 'till-1', iat: now, exp: now + MAX_TOKEN_LIFETIME_SEC + 61 }, ctx)).toBe('lifetime_too_long');
    expect(checkClaims({ aud: 'till-1', iat: now, exp: now - 1 }, ctx)).toBe('expired');
  });

  it('remembers an accepted message past its own expiry plus skew', () => {
    fc.assert(
      fc.property(fc.integer({ min: -60, max: MAX_TOKEN_LIFETIME_SEC }), fc.integer({ min: 0, max: 3600 }), (expIn, skew) => {
        const c = { aud: 'till-1', iat: now, exp: now + expIn };
        if (checkClaims(c, { ...ctx, skewSec: skew }) !== undefined) return;
        // Once the cache may forget it, the same message is refused as expired.
        const forgetAt = rememberUntilMs(c, skew);
        expect(checkClaims(c, { ...ctx, skewSec: skew, nowMs: forgetAt })).toBe('expired');
      }),
    );
  });
});
