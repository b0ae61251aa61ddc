/**
 * The console lockout survives a daemon restart, over a real pty: wrong passphrases, the daemon
 * stops and starts again on the same state dir, and the next attempt is still refused with the
 * remaining delay. Lockout time runs on a FakeClock (the deadline on disk is its wall-clock time).
 */
import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { lockoutStatePath } from '../../../src/console/lockout-store.js';
import { FakeClock } from '../../../src/core/clock.js';
import { isTillqrError } from '../../../src/core/errors.js';
import { BUNDLE_PASSPHRASE, makeBundle, toBase64 } from '../../unit/console/bundle-fixture.js';
import { Host, Rig } from './rig.js';

let rig: Rig | undefined;
let host: Host | undefined;

afterEach(async () => {
  await host?.close();
  await rig?.close();
  host = undefined;
  rig = undefined;
});

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    if (isTillqrError(e)) return `${e.code}: ${e.message}`;
    throw e;
  }
}

describe('console lockout across a restart', () => {
  it('still refuses the next attempt after a restart, with the delay that was left', async () => {
    const clock = new FakeClock(Date.UTC(2026, 0, 1));
    rig = await Rig.start({ clock });
    host = await Host.open(rig.pty.host);
    await host.sync();
    await host.client.request('provision', [toBase64(makeBundle())]);
    await host.client.request('logout');

    expect(await code(host.client.request('login', ['wrong-one']))).toMatch(/^CONSOLE_AUTH_FAILED: .*in 1 s$/);
    clock.advance(1000);
    expect(await code(host.client.request('login', ['wrong-two']))).toMatch(/in 2 s$/);
    clock.advance(2000);
    expect(await code(host.client.request('login', ['wrong-three']))).toMatch(/in 4 s$/);
    clock.advance(1000);
    // the reply came after the failure was on disk
    expect(JSON.parse(await readFile(lockoutStatePath(rig.stateDir), 'utf8'))).toMatchObject({ failures: 3 });

    // stop the daemon, start it again on the same state dir (a new console, nothing kept in memory)
    const before = rig.console;
    await rig.restartDevice();
    expect(rig.console).not.toBe(before);
    await host.sync();
    expect(rig.console.lockout.failures).toBe(3);
    // the right passphrase is not even checked while the remaining 3 s run
    expect(await code(host.client.request('login', [BUNDLE_PASSPHRASE]))).toBe('CONSOLE_LOCKED_OUT: too many wrong passphrases; try again in 3 s');
    clock.advance(2999);
    expect(await code(host.client.request('login', [BUNDLE_PASSPHRASE]))).toBe('CONSOLE_LOCKED_OUT: too many wrong passphrases; try again in 1 s');
    clock.advance(1);
    // the count went on: the next wrong one is the fourth in a row
    expect(await code(host.client.request('login', ['wrong-four']))).toMatch(/in 8 s$/);
    clock.advance(8000);
    expect(await host.client.request('login', [BUNDLE_PASSPHRASE])).toEqual({ authed: true });
    expect(JSON.parse(await readFile(lockoutStatePath(rig.stateDir), 'utf8'))).toEqual({ version: 1, failures: 0 });
    expect(rig.sink.lines.some((l) => l.includes('console lockout restored'))).toBe(true);
  });
});
