/**
 * Console commands about the device itself: status, network and Wi-Fi, the hardware and broker
 * tests, payment history, the log, restart and reboot.
 */
import { TillqrError, toTillqrError } from '../core/errors.js';
import { withoutPriority } from '../core/logger.js';
import type { CommandContext, CommandResult, CommandSpec } from './command-types.js';
import type { NetworkStatus } from './network.js';
import type { TestOutcome } from './target.js';
import { takingsAmounts } from '../voice/takings-text.js';

function count(arg: string | undefined, dflt: number, max: number): number {
  if (arg === undefined) return dflt;
  if (!/^[0-9]{1,6}$/.test(arg)) throw new TillqrError('CONSOLE_BAD_COMMAND', `${JSON.stringify(arg)} is not a count`);
  return Math.min(max, Math.max(1, Number(arg)));
}

export function describeNetwork(s: NetworkStatus): string {
  const wifi = s.devices.find((d) => d.type === 'wifi');
  const parts = [wifi === undefined ? 'no Wi-Fi device' : s.ssid !== undefined ? `Wi-Fi "${s.ssid}" ${wifi.state}` : `Wi-Fi ${wifi.state}`];
  const wired = s.devices.filter((d) => d.type === 'ethernet' && d.state === 'connected');
  if (wired.length > 0) parts.push(`ethernet ${wired.map((d) => d.name).join(', ')} connected`);
  if (s.addresses.length > 0) parts.push(s.addresses.join(' '));
  parts.push(`internet: ${s.connectivity}`);
  return parts.join(', ');
}

function uptime(sec: number): string {
  const h = Math.floor(sec / 3600);
  const m = Math.floor((sec % 3600) / 60);
  const s = Math.floor(sec % 60);
  return `${h}h ${String(m).padStart(2, '0')}m ${String(s).padStart(2, '0')}s`;
}

async function test(name: string, run: () => Promise<TestOutcome>, ctx: CommandContext): Promise<CommandResult> {
  ctx.audit(name);
  const r = await run();
  if (!r.ok) throw new TillqrError('CONSOLE_TEST_FAILED', `${name}: ${r.detail}`);
  return { data: r, text: `${name}: ok (${r.detail})` };
}

async function simpleTest(name: string, run: () => Promise<void>, ctx: CommandContext): Promise<CommandResult> {
  ctx.audit(name);
  try {
    await run();
  } catch (e) {
    throw new TillqrError('CONSOLE_TEST_FAILED', `${name}: ${toTillqrError(e).message}`);
  }
  return { data: { ok: true, detail: 'done' }, text: `${name}: done` };
}

export const deviceCommands: readonly CommandSpec[] = [
  {
    name: 'version',
    usage: 'version',
    summary: 'software version',
    open: true,
    maxArgs: 0,
    run: (_a, ctx) => Promise.resolve({ data: { version: ctx.version, boot: ctx.bootId }, text: `tillqr ${ctx.version}` }),
  },
  {
    name: 'status',
    usage: 'status',
    summary: 'state, network, broker, display, version, uptime',
    maxArgs: 0,
    async run(_a, ctx) {
      const s = await ctx.target.status();
      let network: NetworkStatus | { error: string };
      try {
        network = await ctx.network.status();
      } catch (e) {
        network = { error: toTillqrError(e).message };
      }
      const deviceId = ctx.store.current.deviceId ?? null;
      const faults = s.faults ?? [];
      const data = {
        deviceId,
        state: s.state,
        network,
        broker: s.broker,
        display: s.display,
        storage: s.storage,
        faults,
        version: ctx.version,
        uptimeSec: s.uptimeSec,
      };
      const text = [
        `device:   ${deviceId ?? '(not provisioned)'}`,
        `state:    ${s.state}`,
        `network:  ${'error' in network ? `unknown (${network.error})` : describeNetwork(network)}`,
        `broker:   ${s.broker.connected ? 'connected' : 'not connected'} ${s.broker.url}${s.broker.lastError !== undefined && !s.broker.connected ? ` (${s.broker.lastError})` : ''}`,
        `display:  ${s.display.panel} ${s.display.ok ? 'ok' : `failing${s.display.lastError !== undefined ? ` (${s.display.lastError})` : ''}`}`,
        `storage:  ${s.storage.ok ? 'ok' : `failing${s.storage.lastError !== undefined ? ` (${s.storage.lastError})` : ''}`}`,
        ...faults.map((f) => `fault:    ${f.part} ${f.code}: ${f.message}`),
        `version:  ${ctx.version}`,
        `uptime:   ${uptime(s.uptimeSec)}`,
      ].join('\n');
      return { data, text };
    },
  },
  {
    name: 'wifi',
    usage: 'wifi SSID [PSK]',
    summary: 'join a Wi-Fi network (asks for the PSK when not given; empty for an open network)',
    minArgs: 1,
    maxArgs: 2,
    async run(args, ctx) {
      const ssid = args[0] ?? '';
      let psk = args[1];
      if (psk === undefined && !ctx.session.json) psk = await ctx.session.askSecret(`passphrase for "${ssid}" (empty for an open network): `);
      ctx.audit('wifi', { ssid });
      const s = await ctx.network.connectWifi(ssid, psk === '' ? undefined : psk);
      return { data: s, text: `joined "${ssid}": ${describeNetwork(s)}` };
    },
  },
  {
    name: 'network',
    usage: 'network',
    summary: 'network devices, addresses and internet reachability',
    maxArgs: 0,
    async run(_a, ctx) {
      const s = await ctx.network.status();
      const lines = [
        describeNetwork(s),
        ...s.devices.map((d) => `  ${d.name} (${d.type}): ${d.state}${d.connection !== undefined ? ` via "${d.connection}"` : ''}`),
      ];
      return { data: s, text: lines.join('\n') };
    },
  },
  {
    name: 'network scan',
    usage: 'network scan',
    summary: 'Wi-Fi networks in range',
    maxArgs: 0,
    async run(_a, ctx) {
      const list = await ctx.network.scan();
      const text =
        list.length === 0
          ? 'no Wi-Fi networks in range'
          : list.map((n) => `${n.inUse ? '*' : ' '} ${String(n.signal).padStart(3)}%  ${n.secured ? 'secured' : 'open   '}  ${n.ssid}`).join('\n');
      return { data: list, text };
    },
  },
  {
    name: 'mqtt test',
    usage: 'mqtt test',
    summary: 'round trip through the broker',
    maxArgs: 0,
    run: (_a, ctx) => test('mqtt test', () => ctx.target.mqttTest(), ctx),
  },
  {
    name: 'display test',
    usage: 'display test',
    summary: 'test pattern, then a sample QR',
    maxArgs: 0,
    run: (_a, ctx) => test('display test', () => ctx.target.displayTest(), ctx),
  },
  {
    name: 'led test',
    usage: 'led test',
    summary: 'run the LED through its colours',
    maxArgs: 0,
    run: (_a, ctx) => simpleTest('led test', () => ctx.target.ledTest(), ctx),
  },
  {
    name: 'buzzer test',
    usage: 'buzzer test',
    summary: 'sound the buzzer patterns',
    maxArgs: 0,
    run: (_a, ctx) => simpleTest('buzzer test', () => ctx.target.buzzerTest(), ctx),
  },
  {
    name: 'history',
    usage: 'history [N]',
    summary: 'the last payments on this device',
    maxArgs: 1,
    async run(args, ctx) {
      const list = await ctx.target.history(count(args[0], 10, 100));
      const text =
        list.length === 0
          ? 'no payments yet'
          : list
              .map(
                (p) =>
                  `${new Date(p.paidAt * 1000).toISOString().replace('T', ' ').slice(0, 19)}  ${String(p.amount).padStart(9)} ${p.currency}  ${p.orderId}${p.wallet !== undefined ? `  ${p.wallet}` : ''}${p.late === true ? '  (late)' : ''}`,
              )
              .join('\n');
      return { data: list, text };
    },
  },
  {
    name: 'sales today',
    usage: 'sales today',
    summary: "the day's takings: paid sales and their sum per currency since the shop's day began",
    maxArgs: 0,
    async run(_a, ctx) {
      const t = await ctx.target.salesToday?.();
      if (t === undefined) return { data: null, text: 'no takings: the device is not provisioned' };
      return { data: t, text: `sales today (${t.day}): ${takingsAmounts(t)}` };
    },
  },
  {
    name: 'log',
    usage: 'log [N]',
    summary: 'the last N log lines (default 20)',
    maxArgs: 1,
    run(args, ctx) {
      // The JSON text of each line, without the syslog priority prefix that is meant for journald.
      const lines = ctx.logTail(count(args[0], 20, 500)).map(withoutPriority);
      return Promise.resolve({ data: lines, text: lines.length === 0 ? '(no log lines)' : lines.join('\n') });
    },
  },
  {
    name: 'restart',
    usage: 'restart',
    summary: 'restart the tillqr service (applies "restart required" keys)',
    maxArgs: 0,
    run(_a, ctx) {
      ctx.audit('restart');
      ctx.session.afterReply(() => ctx.target.restart());
      return Promise.resolve({ data: { restarting: true }, text: 'restarting the service' });
    },
  },
  {
    name: 'reboot',
    usage: 'reboot',
    summary: 'reboot the device',
    maxArgs: 0,
    run(_a, ctx) {
      ctx.audit('reboot');
      ctx.session.afterReply(() => ctx.target.reboot());
      return Promise.resolve({ data: { rebooting: true }, text: 'rebooting' });
    },
  },
];
