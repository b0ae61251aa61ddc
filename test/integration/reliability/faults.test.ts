/**
 * CI short form of the fault injection in `npm run reliability` (bench/reliability): a real
 * Mosquitto stopped hard and gently, the daemon SIGKILLed, the state directory full (needs root
 * for a 64 KiB tmpfs), a panel stuck BUSY, the serial port vanishing; counts of COUNTS.quick.
 */
import { describe, expect, it } from 'vitest';
import { COUNTS } from '../../../bench/reliability/counts.js';
import { runBrokerFault } from '../../../bench/reliability/fault-broker.js';
import { runDiskFault } from '../../../bench/reliability/fault-disk.js';
import { runKillFault } from '../../../bench/reliability/fault-kill.js';
import { runPanelFault } from '../../../bench/reliability/fault-panel.js';
import { runSerialFault } from '../../../bench/reliability/fault-serial.js';
import { brokerFaultSection, diskFaultSection, killFaultSection, panelFaultSection, serialFaultSection } from '../../../bench/reliability/sections.js';
import type { Section } from '../../../bench/reliability/types.js';

const C = COUNTS.quick;
const root = process.getuid?.() === 0;

function expectAllPass(s: Section): void {
  expect(s.checks.length).toBeGreaterThan(0);
  expect(s.checks.filter((c) => !c.ok)).toEqual([]);
}

describe('reliability, short form: faults', () => {
  it(`loses and doubles no confirmation while the broker is killed and restarted ${C.brokerRestarts} times`, { timeout: 180_000 }, async () => {
    const r = await runBrokerFault({ restarts: C.brokerRestarts, minSales: 50 });
    expect(r.restarts).toBe(C.brokerRestarts);
    expectAllPass(brokerFaultSection(r));
  });

  it(`keeps config, state and replay cache through ${C.kills} SIGKILLs at random moments`, { timeout: 180_000 }, async () => {
    const r = await runKillFault({ kills: C.kills });
    expect(r.sales).toBeGreaterThan(20);
    expectAllPass(killFaultSection(r));
  });

  it.skipIf(!root)(
    'goes on selling with the state directory full, with a clear error and no corruption (needs root: mount -t tmpfs)',
    { timeout: 120_000 },
    async () => {
      const r = await runDiskFault({ sales: C.diskSales });
      expect('skipped' in r ? r.skipped : 'ran').toBe('ran');
      expectAllPass(diskFaultSection(r));
    },
  );

  it('reports a panel stuck BUSY while confirmations, signals and events go on, and recovers', { timeout: 180_000 }, async () => {
    expectAllPass(panelFaultSection(await runPanelFault({ stuckSales: C.panelStuck, salesAfter: C.panelAfter })));
  });

  it(`reopens the console after the serial port vanished ${C.serialCycles} times, taking payments all along`, { timeout: 180_000 }, async () => {
    expectAllPass(serialFaultSection(await runSerialFault({ cycles: C.serialCycles })));
  });
});
