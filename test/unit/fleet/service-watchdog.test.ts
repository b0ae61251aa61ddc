import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/core/clock.js';
import { silentLogger } from '../../../src/core/logger.js';
import { SdNotify } from '../../../src/fleet/sd-notify.js';
import { EventLoopCheck, ServiceWatchdog } from '../../../src/fleet/service-watchdog.js';

function rig(env: NodeJS.ProcessEnv = { NOTIFY_SOCKET: '/run/x', WATCHDOG_USEC: '30000000' }) {
  const sent: string[][] = [];
  const notify = new SdNotify(env, { runner: (args) => (sent.push([...args]), Promise.resolve()) });
  const clock = new FakeClock();
  const health = { brokerConnected: false, displayDrawn: false };
  let problem: string | undefined;
  const wd = new ServiceWatchdog({ notify, clock, logger: silentLogger, health: () => health, selfCheck: () => problem });
  return { sent, clock, health, wd, setProblem: (p: string | undefined) => (problem = p) };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('service watchdog', () => {
  it('extends the start while waiting, says READY=1 only once display and broker are up, then pings every WatchdogSec/2', async () => {
    const r = rig();
    r.wd.start();
    await flush();
    expect(r.sent[0]?.[0]).toMatch(/^EXTEND_TIMEOUT_USEC=/);
    expect(r.sent[0]?.[1]).toBe('STATUS=waiting for the display and the broker');
    r.health.displayDrawn = true;
    r.clock.advance(1000);
    await flush();
    expect(r.sent.at(-1)?.[1]).toBe('STATUS=waiting for the broker');
    expect(r.sent.flat()).not.toContain('READY=1');
    r.health.brokerConnected = true;
    r.clock.advance(1000);
    await flush();
    expect(r.sent.at(-1)?.[0]).toBe('READY=1');
    const before = r.sent.length;
    r.clock.advance(15_000);
    await flush();
    expect(r.sent.slice(before)).toEqual([['WATCHDOG=1']]);
  });

  it('stops feeding the watchdog while a health check fails, and resumes when it passes', async () => {
    const r = rig();
    r.health.displayDrawn = true;
    r.health.brokerConnected = true;
    r.wd.start();
    await flush();
    expect(r.sent).toEqual([['READY=1', 'STATUS=display drawn, broker connected']]);
    r.setProblem('the event loop lagged 12000 ms');
    r.clock.advance(45_000);
    await flush();
    expect(r.sent.filter((s) => s[0] === 'WATCHDOG=1')).toHaveLength(0);
    r.setProblem(undefined);
    r.clock.advance(15_000);
    await flush();
    expect(r.sent.filter((s) => s[0] === 'WATCHDOG=1')).toHaveLength(1);
  });

  it('does nothing outside systemd', async () => {
    const r = rig({});
    r.wd.start();
    r.clock.advance(60_000);
    await flush();
    expect(r.sent).toEqual([]);
    expect(r.clock.pendingTimers).toBe(0);
  });

  it('ignores WATCHDOG_USEC meant for another process', () => {
    expect(new SdNotify({ NOTIFY_SOCKET: '/x', WATCHDOG_USEC: '30000000', WATCHDOG_PID: '1' }).watchdogIntervalMs(2)).toBeUndefined();
    expect(new SdNotify({ NOTIFY_SOCKET: '/x', WATCHDOG_USEC: '30000000', WATCHDOG_PID: '2' }).watchdogIntervalMs(2)).toBe(15_000);
  });
});

describe('event loop check', () => {
  it('reports a lag past the limit once', () => {
    const clock = new FakeClock();
    const c = new EventLoopCheck(clock, 1000, 5000);
    c.start();
    clock.advance(3000);
    expect(c.check()).toBeUndefined();
    // A blocked loop: time moves on without the timer firing.
    const now = clock.now();
    (clock as unknown as { now: () => number }).now = () => now + 9000;
    expect(c.check()).toMatch(/lagged 8000 ms/);
  });
});
