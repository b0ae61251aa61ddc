/**
 * ConsoleSession.dispose(): nothing is written after it, and its promise settles only once the
 * command in flight has finished (a `set` may be writing the config file; whoever removes the
 * state afterwards must not race it).
 */
import { describe, expect, it } from 'vitest';
import { ConfigStore } from '../../../src/config/config-store.js';
import { Lockout } from '../../../src/console/lockout.js';
import { SimNetwork } from '../../../src/console/network-sim.js';
import { Provisioner } from '../../../src/console/provisioner.js';
import { ConsoleSession } from '../../../src/console/session.js';
import type { ConsoleTarget } from '../../../src/console/target.js';
import { FakeClock } from '../../../src/core/clock.js';
import { createLogger, memorySink } from '../../../src/core/logger.js';

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('console session dispose', () => {
  it('resolves only after the command in flight has finished, and writes nothing after', async () => {
    const clock = new FakeClock();
    const logger = createLogger('t', { sink: memorySink() });
    const store = await ConfigStore.open('/nonexistent/tillqr-test/config.json', {}, logger);
    const network = new SimNetwork();
    let finish: (() => void) | undefined;
    const target = { ledTest: () => new Promise<void>((r) => (finish = r)) } as unknown as ConsoleTarget;
    const out: string[] = [];
    const session = new ConsoleSession({
      store,
      target,
      network,
      provisioner: new Provisioner({ store, tlsDir: '/nonexistent/tillqr-test/tls', network, logger }),
      lockout: new Lockout(clock),
      clock,
      logger,
      version: 't',
      bootId: 'b',
      logTail: () => [],
      write: (b) => void out.push(Buffer.from(b).toString('utf8')),
    });
    session.start();
    session.feed(Buffer.from('led test\r'));
    await flush();
    expect(finish).toBeDefined();
    const written = out.length;
    let disposed = false;
    const disposing = session.dispose().then(() => (disposed = true));
    for (let i = 0; i < 5; i++) await flush();
    expect(disposed).toBe(false);
    finish?.();
    await disposing;
    expect(disposed).toBe(true);
    expect(out.length).toBe(written);
  });
});
