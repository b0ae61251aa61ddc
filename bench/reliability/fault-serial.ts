/**
 * Fault: the serial port vanishes (the USB adapter pulled out) and comes back, again and again,
 * while the till sells. The daemon (startDaemon, `hardware: "sim"`, real Mosquitto) runs its own
 * SerialConsole on one end of a socat pty pair; a laptop-side client (the real serialport package
 * and ConsoleClient) sits on the other. Each cycle: the console answers, socat is killed (both
 * ends vanish), 100-400 ms later it is started again under the same names, and the console must
 * answer again, on the same daemon. Sales run all the time through the broker.
 *
 * Checked: the console reopened after every vanish and answered `version` and `status`; every
 * sale during the cycles was paid, reported once and signalled once (the buzzer's first paid
 * note, per order); the daemon logged no error.
 */
import { ConsoleClient } from '../../src/console/json-client.js';
import { serialPortOpener, type ConsolePort } from '../../src/console/serial-port.js';
import { systemClock } from '../../src/core/clock.js';
import { PtyPair } from '../../test/integration/console/pty.js';
import { Mosquitto } from '../../test/helpers/mosquitto.js';
import { until } from '../../test/helpers/payment-kit.js';
import { chargeBody, paymentBody, sign } from './backend.js';
import { startDaemonRig } from './daemon-rig.js';
import { check, n, type Check } from './types.js';

export interface SerialFaultResult {
  readonly cycles: number;
  readonly opens: number;
  readonly answeredAfterReopen: number;
  readonly failures: string[];
  readonly sales: number;
  readonly paidOnce: number;
  readonly signalledOnce: number;
  readonly errorLogLines: string[];
  readonly wallSec: number;
}

const PAID_FIRST_NOTE_HZ = 1319;

export async function runSerialFault(o: { cycles: number }): Promise<SerialFaultResult> {
  const started = Date.now();
  const broker = await Mosquitto.start();
  const pty = await PtyPair.create();
  const deviceId = 'till-serial-fault';
  const rig = await startDaemonRig({
    broker,
    deviceId,
    extra: { signal: { buzzer: { kind: 'passive', pin: 13, pwmChannel: 1 } }, console: { enabled: true, port: pty.device } },
    logLines: 5000,
    keepEvents: 100,
  }).catch(async (e: unknown) => {
    await pty.close();
    await broker.close();
    throw e;
  });
  const { daemon, device, sim, backend, key, sink } = rig;
  const failures: string[] = [];
  let host: { port: ConsolePort; client: ConsoleClient } | undefined;
  let selling = true;
  let sales = 0;
  try {
    const serial = daemon.console;
    if (serial === undefined) throw new Error('the daemon did not start its console');
    await until(() => serial.state === 'open', 20_000, 'the console to open');
    const signals = new Map<string, number>();
    let melody = false;
    sim.signals.onChange((s) => {
      const first = s.buzzer.on && s.buzzer.hz === PAID_FIRST_NOTE_HZ;
      const id = device.saleState.result?.orderId;
      if (first && !melody && id !== undefined) signals.set(id, (signals.get(id) ?? 0) + 1);
      melody = first;
    });

    const openHost = async (): Promise<{ port: ConsolePort; client: ConsoleClient }> => {
      const port = await serialPortOpener()(pty.host, 115200);
      return { port, client: new ConsoleClient(port, systemClock()) };
    };
    const ask = async (cmd: string): Promise<unknown> => {
      // The banner may still be on its way after a reopen: retry a few times.
      let last: unknown;
      for (let i = 0; i < 5; i++) {
        try {
          if (host === undefined) throw new Error('no host port');
          return await host.client.request(cmd, [], 3_000);
        } catch (e) {
          last = e;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      throw last instanceof Error ? last : new Error(String(last));
    };

    const seller = (async () => {
      while (selling) {
        const orderId = `S-${sales}`;
        const now = Math.floor(Date.now() / 1000);
        const shown = backend.next((e) => e.orderId === orderId && e.type === 'displayed');
        await backend.send('charge', sign(deviceId, key, chargeBody(orderId, 250, now + 600), now));
        await shown;
        const paid = backend.next((e) => e.orderId === orderId && e.type === 'paid');
        await backend.send('payment', sign(deviceId, key, paymentBody(orderId, 250, now), now));
        await paid;
        sales++;
        await new Promise((r) => setTimeout(r, 20));
      }
    })();

    host = await openHost();
    let answered = 0;
    let seed = 777;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    for (let c = 0; c < o.cycles; c++) {
      try {
        await ask('version');
      } catch (e) {
        failures.push(`cycle ${c}: no answer before the vanish: ${(e as Error).message}`);
      }
      const opensBefore = serial.opens;
      await pty.kill();
      await host?.port.close().catch(() => undefined);
      host = undefined;
      await new Promise((r) => setTimeout(r, 100 + rnd() * 300));
      await pty.start();
      try {
        await until(() => serial.opens > opensBefore && serial.state === 'open', 30_000, `the console to reopen (cycle ${c})`);
        host = await openHost();
        const v = (await ask('version')) as { version?: unknown };
        const st = (await ask('status')) as { state?: unknown };
        if (typeof v.version === 'string' && typeof st.state === 'string') answered++;
        else failures.push(`cycle ${c}: odd answers ${JSON.stringify(v)} ${JSON.stringify(st)}`);
      } catch (e) {
        failures.push(`cycle ${c}: ${(e as Error).message}`);
        host ??= await openHost().catch(() => undefined);
      }
    }
    selling = false;
    await seller;
    await device.idle();
    await new Promise((r) => setTimeout(r, 300));
    const orders = Array.from({ length: sales }, (_, i) => `S-${i}`);
    return {
      cycles: o.cycles,
      opens: serial.opens,
      answeredAfterReopen: answered,
      failures,
      sales,
      paidOnce: orders.filter((id) => backend.paidByOrder.get(id) === 1).length,
      signalledOnce: orders.filter((id) => signals.get(id) === 1).length,
      errorLogLines: sink.lines.filter((l) => l.includes('"level":"error"')).map((l) => l.slice(0, 300)),
      wallSec: (Date.now() - started) / 1000,
    };
  } finally {
    selling = false;
    await host?.port.close().catch(() => undefined);
    await rig.close();
    await pty.close();
    await broker.close();
  }
}

export function serialFaultChecks(r: SerialFaultResult): Check[] {
  return [
    check(
      `the console recovers after each of ${r.cycles} vanishings`,
      r.opens === r.cycles + 1 && r.answeredAfterReopen === r.cycles && r.failures.length === 0,
      `${r.opens} opens, answered \`version\` and \`status\` after ${r.answeredAfterReopen} of ${r.cycles} reopenings${r.failures.length > 0 ? `; ${r.failures.slice(0, 3).join('; ')}` : ''}`,
    ),
    check(
      'the daemon keeps taking payments meanwhile',
      r.sales > 0 && r.paidOnce === r.sales && r.signalledOnce === r.sales,
      `${n(r.sales)} sales: ${n(r.paidOnce)} reported paid once, ${n(r.signalledOnce)} signalled once`,
    ),
    check('no error logged', r.errorLogLines.length === 0, r.errorLogLines.length === 0 ? 'none' : r.errorLogLines.slice(0, 2).join(' | ')),
  ];
}
