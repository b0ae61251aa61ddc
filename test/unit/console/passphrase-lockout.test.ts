import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/core/clock.js';
import { createLogger, memorySink, parseLogLine } from '../../../src/core/logger.js';
import { Lockout, lockoutDelay, type LockoutPolicy } from '../../../src/console/lockout.js';
import { LockoutStore, lockoutStatePath } from '../../../src/console/lockout-store.js';
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

describe('login lockout across a restart (real files, FakeClock)', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });
  const stateDir = async (): Promise<string> => {
    const d = await mkdtemp(join(tmpdir(), 'tillqr-lockout-'));
    dirs.push(d);
    return d;
  };
  /** What a daemon start does: a new store and lockout on the same state dir, restored before any attempt. */
  const boot = async (dir: string, clock: FakeClock, policy?: LockoutPolicy) => {
    const sink = memorySink();
    const store = new LockoutStore({ stateDir: dir, logger: createLogger('lockout', { sink }) });
    const lockout = new Lockout(clock, policy, store);
    lockout.restore(await store.load());
    return { lockout, store, log: () => sink.lines.map((l) => parseLogLine(l)) };
  };

  it('keeps the failures and the remaining delay in <stateDir>/console/lockout.json, as wall-clock time', async () => {
    const dir = await stateDir();
    expect(lockoutStatePath(dir)).toBe(join(dir, 'console', 'lockout.json'));
    const clock = new FakeClock(Date.UTC(2026, 0, 1));
    const first = await boot(dir, clock);
    first.lockout.fail();
    clock.advance(1000);
    first.lockout.fail();
    clock.advance(2000);
    expect(first.lockout.fail()).toBe(4000);
    await first.lockout.saved();
    expect(JSON.parse(await readFile(lockoutStatePath(dir), 'utf8'))).toEqual({ version: 1, failures: 3, lockedUntil: '2026-01-01T00:00:07.000Z' });
    clock.advance(1500);
    // power cycle: nothing in memory survives
    const second = await boot(dir, clock);
    expect(second.lockout.failures).toBe(3);
    expect(second.lockout.retryAfterMs()).toBe(2500);
    expect(second.log()).toEqual([expect.objectContaining({ level: 'info', msg: 'console lockout restored', failures: 3 })]);
    clock.advance(2500);
    expect(second.lockout.retryAfterMs()).toBe(0);
    expect(second.lockout.fail()).toBe(8000); // the fourth failure in a row, not the first
    second.lockout.succeed();
    await second.lockout.saved();
    expect(JSON.parse(await readFile(lockoutStatePath(dir), 'utf8'))).toEqual({ version: 1, failures: 0 });
    expect((await boot(dir, clock)).lockout.retryAfterMs()).toBe(0);
  });

  it('starts from zero failures, and says so, when the file is missing or corrupt', async () => {
    const clock = new FakeClock();
    const missing = await boot(await stateDir(), clock);
    expect(missing.lockout.state).toEqual({ failures: 0, untilMs: 0 });
    expect(missing.log()).toEqual([expect.objectContaining({ level: 'info', msg: 'no console lockout state; starting from zero failures' })]);
    for (const bad of [
      '{ "version": 1, "fail',
      '[]',
      '{"version":2,"failures":1}',
      '{"version":1,"failures":-1}',
      '{"version":1,"failures":1.5}',
      '{"version":1,"failures":3,"lockedUntil":"soon"}',
    ]) {
      const dir = await stateDir();
      await mkdir(dirname(lockoutStatePath(dir)), { recursive: true });
      await writeFile(lockoutStatePath(dir), bad);
      const b = await boot(dir, clock);
      expect(b.lockout.state, bad).toEqual({ failures: 0, untilMs: 0 });
      expect(b.log(), bad).toEqual([expect.objectContaining({ level: 'warn', path: lockoutStatePath(dir) })]);
      expect(b.log()[0]?.msg, bad).toMatch(/^console lockout state (corrupt|unreadable); starting from zero failures$/);
    }
  });

  it('never locks for longer than the delay the failures impose, however far the clock jumped back', async () => {
    const dir = await stateDir();
    const policy = { baseMs: 1000, maxMs: 60_000 };
    const clock = new FakeClock(Date.UTC(2036, 0, 1));
    const first = await boot(dir, clock, policy);
    for (let i = 0; i < 3; i++) {
      clock.advance(first.lockout.retryAfterMs());
      first.lockout.fail();
    }
    await first.lockout.saved();
    // the next start reads a clock ten years behind (no RTC, no network time yet)
    clock.advance(-10 * 365 * 86_400_000);
    const second = await boot(dir, clock, policy);
    expect(second.lockout.failures).toBe(3);
    expect(second.lockout.retryAfterMs()).toBe(lockoutDelay(3, policy));
    clock.advance(lockoutDelay(3, policy));
    expect(second.lockout.retryAfterMs()).toBe(0);
    // the pulled-in deadline is what is on disk now
    await second.lockout.saved();
    expect((await boot(dir, clock, policy)).lockout.retryAfterMs()).toBe(0);
    // and within one run: a jump back mid-delay does not stretch it either
    second.lockout.fail();
    clock.advance(-86_400_000);
    expect(second.lockout.retryAfterMs()).toBe(lockoutDelay(4, policy));
    for (let n = 5; n < 30; n++) second.lockout.fail();
    expect(second.lockout.retryAfterMs()).toBe(policy.maxMs);
    await second.lockout.saved();
  });

  it('keeps working in memory when the state dir cannot be written, and logs it', async () => {
    const dir = await stateDir();
    await writeFile(join(dir, 'console'), 'a file where the directory should be');
    const clock = new FakeClock();
    const b = await boot(dir, clock);
    expect(b.lockout.fail()).toBe(1000);
    await b.lockout.saved();
    expect(b.lockout.retryAfterMs()).toBe(1000);
    expect(b.log().some((r) => r?.level === 'warn' && r.msg === 'could not persist the console lockout; it holds until the next restart only')).toBe(true);
  });
});
