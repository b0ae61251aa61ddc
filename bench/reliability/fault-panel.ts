/**
 * Fault: a panel whose BUSY line never releases. The daemon (startDaemon, `hardware: "sim"`, on a
 * FakeClock, real Mosquitto) has its SimPanel scripted 'stuck' for every refresh attempt of the
 * first sales: each refresh waits out display.busyTimeoutMs, resets, retries, fails again.
 *
 * Checked per sale: `displayed` and `paid` arrive with the fake clock standing still (nothing
 * waits for the panel), the success signal plays (indicator on `paid`, LED green, buzzer on);
 * after the timeouts the error state is reported (DisplayService.lastError PANEL_BUSY_TIMEOUT,
 * `healthy` false, the console's status says the display is failing, a log line per failure, the
 * retained status topic carries the code in `faults`). Once the script runs out, the next refresh
 * succeeds and the error state clears, on the status topic too.
 */
import { FakeClock } from '../../src/core/clock.js';
import { daemonConsoleTarget } from '../../src/daemon/console-target.js';
import { runOnClock } from '../../test/helpers/drive-clock.js';
import { Mosquitto } from '../../test/helpers/mosquitto.js';
import { chargeBody, paymentBody, sign, watchStatus } from './backend.js';
import { startDaemonRig } from './daemon-rig.js';
import { check, type Check } from './types.js';

export interface PanelFaultResult {
  readonly stuckSales: number;
  readonly salesAfter: number;
  readonly stuckAttempts: number;
  readonly busyTimeouts: number;
  readonly panelErrors: number;
  readonly eventsWithClockStill: number;
  readonly signalsSeen: number;
  readonly errorReported: {
    lastError: string;
    healthy: boolean;
    consoleDisplayOk: boolean;
    consoleDetail: string;
    logLines: number;
    statusFaults: readonly string[];
  };
  readonly recovered: { lastError: string | undefined; healthy: boolean; consoleDisplayOk: boolean; statusFaults: readonly string[] };
}

const BUSY_TIMEOUT_MS = 5_000;

export async function runPanelFault(o: { stuckSales: number; salesAfter: number }): Promise<PanelFaultResult> {
  const broker = await Mosquitto.start();
  const clock = new FakeClock(Date.now());
  const deviceId = 'till-panel-fault';
  const rig = await startDaemonRig({
    broker,
    deviceId,
    clock,
    extra: { logLevel: 'info', display: { busyTimeoutMs: BUSY_TIMEOUT_MS }, sale: { maxChargeSec: 3600 }, console: { enabled: false } },
    logLines: 5000,
    keepEvents: 100,
  }).catch(async (e: unknown) => {
    await broker.close();
    throw e;
  });
  const { daemon, device, sim, backend, key, sink } = rig;
  try {
    // Let the first screens draw on a healthy panel.
    await runOnClock(clock, daemon.display.scheduler.idle(), { stepMs: 100 });
    let panelErrors = 0;
    daemon.display.on('panel-error', () => panelErrors++);
    const target = daemonConsoleTarget({
      store: daemon.configStore,
      clock,
      startedAt: clock.now(),
      device: () => device,
      brokerConnected: () => true,
      display: daemon.display,
      faults: device.faults,
      indicator: daemon.signals.indicator,
      restingScreen: () => device.screen,
      restart: () => Promise.resolve(),
      reboot: () => Promise.resolve(),
    });

    let eventsWithClockStill = 0;
    let signalsSeen = 0;
    let stuckAttempts = 0;
    const sale = async (i: number): Promise<void> => {
      const orderId = `P-${i}`;
      const now = Math.floor(clock.now() / 1000);
      const before = clock.now();
      const shown = backend.next((e) => e.orderId === orderId && e.type === 'displayed');
      await backend.send('charge', sign(deviceId, key, chargeBody(orderId, 700, now + 3000), now));
      await shown;
      const paid = backend.next((e) => e.orderId === orderId && e.type === 'paid');
      await backend.send('payment', sign(deviceId, key, paymentBody(orderId, 700, now), now));
      await paid;
      if (clock.now() === before) eventsWithClockStill++;
      sim.signals.flush();
      const snap = sim.signals.snapshot();
      if (daemon.signals.indicator.status().event === 'paid' && snap.led === 'green' && snap.buzzer.on) signalsSeen++;
      // Now let fake time pass: the stuck refreshes time out (a reset and a retry each), the result screen gives way to idle.
      await runOnClock(
        clock,
        device.idle().then(() => new Promise<void>((r) => clock.setTimeout(r, 4 * BUSY_TIMEOUT_MS + 10_000))),
        { stepMs: 250 },
      );
    };

    // While stuck, every refresh attempt (the first and the retry after the reset) finds BUSY set:
    // keep one 'stuck' queued for the next attempt whenever one starts.
    let stuck = true;
    sim.panel.script('stuck');
    sim.panel.on('refresh-start', () => {
      if (!stuck) return;
      stuckAttempts++;
      sim.panel.script('stuck');
    });
    for (let i = 0; i < o.stuckSales; i++) await sale(i);
    stuck = false;
    const busyTimeouts = sim.panel.counts.busyTimeouts;
    const status = target.status();
    const statusDisplay = 'display' in status ? status.display : { ok: true, lastError: undefined };
    const errorReported = {
      lastError: daemon.display.lastError?.code ?? '(none)',
      healthy: daemon.display.healthy,
      consoleDisplayOk: statusDisplay.ok,
      consoleDetail: statusDisplay.lastError ?? '',
      logLines: sink.lines.filter((l) => l.includes('the panel failed') && l.includes('PANEL_BUSY_TIMEOUT')).length,
      statusFaults: (await watchStatus(broker.url, deviceId, (st) => st.faults?.includes('PANEL_BUSY_TIMEOUT') === true))?.faults ?? [],
    };
    // BUSY releases again (one attempt already queued stuck is retried after a reset): sales on a working panel.
    for (let i = 0; i < o.salesAfter; i++) await sale(o.stuckSales + i);
    await runOnClock(clock, daemon.display.scheduler.idle(), { stepMs: 100 });
    const after = target.status();
    return {
      stuckSales: o.stuckSales,
      salesAfter: o.salesAfter,
      stuckAttempts,
      busyTimeouts,
      panelErrors,
      eventsWithClockStill,
      signalsSeen,
      errorReported,
      recovered: {
        lastError: daemon.display.lastError?.code,
        healthy: daemon.display.healthy,
        consoleDisplayOk: 'display' in after ? after.display.ok : false,
        statusFaults: (await watchStatus(broker.url, deviceId, (st) => st.faults === undefined))?.faults ?? [],
      },
    };
  } finally {
    await rig.close((stopping) => runOnClock(clock, stopping, { stepMs: 100 }).catch(() => undefined));
    await broker.close();
  }
}

export function panelFaultChecks(r: PanelFaultResult): Check[] {
  const sales = r.stuckSales + r.salesAfter;
  return [
    check(
      'confirmations, signals and events keep working with the panel stuck',
      r.eventsWithClockStill === sales && r.signalsSeen === sales,
      `${r.eventsWithClockStill} of ${sales} sales got \`displayed\` and \`paid\` with the fake clock standing still; ${r.signalsSeen} success signals seen (indicator on paid, LED green, buzzer on)`,
    ),
    check(
      'the error state is reported',
      r.errorReported.lastError === 'PANEL_BUSY_TIMEOUT' &&
        !r.errorReported.healthy &&
        !r.errorReported.consoleDisplayOk &&
        r.errorReported.logLines > 0 &&
        r.panelErrors > 0 &&
        r.errorReported.statusFaults.includes('PANEL_BUSY_TIMEOUT'),
      `lastError ${r.errorReported.lastError}, healthy ${String(r.errorReported.healthy)}, status topic faults [${r.errorReported.statusFaults.join(', ')}], console status display ok ${String(r.errorReported.consoleDisplayOk)} ("${r.errorReported.consoleDetail.slice(0, 90)}"), ${r.errorReported.logLines} log lines, ${r.panelErrors} panel-error events, ${r.busyTimeouts} BUSY timeouts over ${r.stuckSales} sales`,
    ),
    check(
      'the panel recovers once BUSY releases again',
      r.recovered.lastError === undefined && r.recovered.healthy && r.recovered.consoleDisplayOk && r.recovered.statusFaults.length === 0,
      `lastError ${r.recovered.lastError ?? '(none)'}, healthy ${String(r.recovered.healthy)}, status topic faults [${r.recovered.statusFaults.join(', ')}]`,
    ),
  ];
}
