import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/core/clock.js';
import { Lockout, lockoutDelay } from '../../../src/console/lockout.js';
import { hashPassphrase, parseHash, verifyPassphrase } from '../../../src/console/passphrase.js';

const CHEAP = { N: 1024, r: 8, p: 1 };

describe('technician passphrase', () => {
  it('is stored as scrypt$N$r$p$salt$hash and verifies only the right passphrase', async () => {
    const h = await hashPassphrase('correct horse', CHEAP);
    expect(h).toMatch(/^scrypt\$1024\$8\$1\$[A-Za-z0-9+/]+=*\$[A-Za-z0-9+/]+=*$/);
    expect(h).not.toContain('correct');
    expect(await verifyPassphrase('correct horse', h)).toBe(true);
    expect(await verifyPassphrase('correct hors', h)).toBe(false);
    expect(await verifyPassphrase('', h)).toBe(false);
    expect(await hashPassphrase('correct horse', CHEAP)).not.toBe(h); // salted
  });

  it('uses the default cost when none is given', async () => {
    expect(await hashPassphrase('x'.repeat(8))).toMatch(/^scrypt\$16384\$8\$1\$/);
  });

  it('treats NFC and NFD spellings as the same passphrase', async () => {
    const h = await hashPassphrase('caf\u00e9-secret', CHEAP);
    expect(await verifyPassphrase('cafe\u0301-secret', h)).toBe(true);
  });

  it('refuses hashes it cannot or should not compute', () => {
    expect(() => parseHash('scrypt$abc')).toThrow(/not a usable scrypt hash/);
    expect(() => parseHash('scrypt$1000$8$1$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA==')).toThrow(/N=1000/);
    expect(() => parseHash(`scrypt$${1 << 20}$8$1$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA==`)).toThrow(/N=/);
    expect(() => parseHash('scrypt$1024$99$1$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA==')).toThrow(/r=99/);
    expect(parseHash('scrypt$1024$8$1$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA==').params).toEqual({ N: 1024, r: 8, p: 1 });
  });
});

describe('login lockout', () => {
  it('doubles the delay after each failure up to the cap', () => {
    expect([0, 1, 2, 3, 4, 10, 11, 40].map((n) => lockoutDelay(n))).toEqual([0, 1000, 2000, 4000, 8000, 512_000, 900_000, 900_000]);
  });

  it('refuses attempts until the delay has passed, on the clock it is given', () => {
    const clock = new FakeClock();
    const l = new Lockout(clock);
    expect(l.retryAfterMs()).toBe(0);
    expect(l.fail()).toBe(1000);
    expect(l.retryAfterMs()).toBe(1000);
    clock.advance(999);
    expect(l.retryAfterMs()).toBe(1);
    clock.advance(1);
    expect(l.retryAfterMs()).toBe(0);
    l.fail();
    l.fail();
    expect(l.failures).toBe(3);
    expect(l.retryAfterMs()).toBe(4000);
    l.succeed();
    expect(l.retryAfterMs()).toBe(0);
    expect(l.failures).toBe(0);
  });
});
