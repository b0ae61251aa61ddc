/**
 * SerialConsole's reopen policy with a scripted port and a FakeClock: growing delays while the
 * port is missing, capped; back to the shortest delay after a good open; never a throw.
 */
import { describe, expect, it } from 'vitest';
import { ConfigStore } from '../../../src/config/config-store.js';
import { SimNetwork } from '../../../src/console/network-sim.js';
import { SerialConsole } from '../../../src/console/serial-console.js';
import type { ConsolePort, PortOpener } from '../../../src/console/serial-port.js';
import type { ConsoleTarget } from '../../../src/console/target.js';
import { FakeClock } from '../../../src/core/clock.js';
import { TillqrError } from '../../../src/core/errors.js';
import { createLogger, memorySink } from '../../../src/core/logger.js';

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

class ScriptedPort implements ConsolePort {
  readonly written: Uint8Array[] = [];
  #close: ((e: Error | undefined) => void)[] = [];
  #data: ((c: Uint8Array) => void)[] = [];
  write(b: Uint8Array): boolean {
    this.written.push(b);
    return true;
  }
  drain(): Promise<void> {
    return Promise.resolve();
  }
  close(): Promise<void> {
    this.lose(undefined);
    return Promise.resolve();
  }
  onData(l: (c: Uint8Array) => void): void {
    this.#data.push(l);
  }
  onClose(l: (e: Error | undefined) => void): void {
    this.#close.push(l);
  }
  lose(e: Error | undefined): void {
    const ls = this.#close;
    this.#close = [];
    for (const l of ls) l(e);
  }
  feed(s: string): void {
    for (const l of this.#data) l(Buffer.from(s));
  }
  get text(): string {
    return Buffer.concat(this.written).toString('utf8');
  }
}

const target = {} as ConsoleTarget; // never called in these tests

async function setup(script: ('fail' | 'ok')[]): Promise<{ console: SerialConsole; clock: FakeClock; attempts: number[]; ports: ScriptedPort[] }> {
  const clock = new FakeClock();
  const attempts: number[] = [];
  const ports: ScriptedPort[] = [];
  const openPort: PortOpener = (path) => {
    attempts.push(clock.now());
    const step = script.shift() ?? 'fail';
    if (step === 'fail') return Promise.reject(new TillqrError('CONSOLE_PORT', `cannot open ${path}: ENOENT`));
    const p = new ScriptedPort();
    ports.push(p);
    return Promise.resolve(p);
  };
  const logger = createLogger('t', { sink: memorySink() });
  const store = await ConfigStore.open('/nonexistent/tillqr-test/config.json', {}, logger);
  const console = new SerialConsole({
    path: '/dev/serial/by-id/usb-FTDI_TTL232R-if00-port0',
    baudRate: 115200,
    store,
    target,
    network: new SimNetwork(),
    clock,
    logger,
    version: 't',
    logTail: () => [],
    tlsDir: '/nonexistent/tillqr-test/tls',
    stateDir: '/nonexistent/tillqr-test/state',
    openPort,
    retry: { minMs: 100, maxMs: 400 },
  });
  return { console, clock, attempts, ports };
}

describe('serial console reopen policy', () => {
  it('retries with doubling delays up to the cap, then opens and greets', async () => {
    const { console: c, clock, attempts, ports } = await setup(['fail', 'fail', 'fail', 'fail', 'ok']);
    const t0 = clock.now();
    c.start();
    await flush();
    for (const step of [100, 200, 400, 400]) {
      expect(c.state).toBe('waiting');
      clock.advance(step - 1);
      await flush();
      const before = attempts.length;
      clock.advance(1);
      await flush();
      expect(attempts.length).toBe(before + 1);
    }
    expect(attempts.map((t) => t - t0)).toEqual([0, 100, 300, 700, 1100]);
    expect(c.state).toBe('open');
    expect(c.opens).toBe(1);
    expect(ports[0]?.text).toContain('technician console. Type help.');
  });

  it('starts again from the shortest delay after the port is lost, and stops cleanly', async () => {
    const { console: c, clock, attempts, ports } = await setup(['ok', 'fail', 'ok']);
    c.start();
    await flush();
    expect(c.state).toBe('open');
    ports[0]?.feed('version\r');
    await flush();
    expect(ports[0]?.text).toContain('tillqr t\r\n');
    ports[0]?.lose(Object.assign(new Error('bad file descriptor'), { disconnected: true }));
    expect(c.state).toBe('waiting');
    ports[0]?.feed('version\r'); // a late chunk after the loss goes nowhere
    clock.advance(100);
    await flush();
    clock.advance(200);
    await flush();
    expect(c.state).toBe('open');
    expect(c.opens).toBe(2);
    expect(attempts).toHaveLength(3);
    await c.stop();
    expect(c.state).toBe('stopped');
    clock.advance(60_000);
    await flush();
    expect(attempts).toHaveLength(3);
    expect(clock.pendingTimers).toBe(0);
  });
});
