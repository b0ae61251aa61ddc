/**
 * A till whose panel cannot be opened still comes up far enough to be repaired: the daemon keeps
 * running, its retained status carries the PANEL_UNAVAILABLE fault, the console answers `status`
 * with it, a charge is refused `display_unavailable` (no QR could be shown), and the panel is tried
 * again with back-off; once it opens the current screen is drawn and the fault clears.
 *
 * Twice: `tillqr run` as a real child process with `hardware: "pi"` on this machine (no
 * /dev/spidev0.0, no sysfs GPIO: both are reported, neither ends the process), its console on a
 * socat pty; and the daemon in process with the simulated panel missing at start, plugged in later.
 */
import type { ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memorySink } from '../../../src/core/logger.js';
import { Renderer } from '../../../src/display/render/renderer.js';
import { startDaemon, type Daemon } from '../../../src/main.js';
import { collectLines, exited, spawnTs } from '../../helpers/child.js';
import { Mosquitto } from '../../helpers/mosquitto.js';
import { chargeBody, makeKey, rawDeviceConfig, tempDir, TestBackend, until } from '../../helpers/payment-kit.js';
import { StatusWatcher } from '../../helpers/retained-status.js';
import { Host } from '../console/rig.js';
import { PtyPair } from '../console/pty.js';

const TILLQR = fileURLToPath(new URL('../../../src/cli/tillqr.ts', import.meta.url));

let broker: Mosquitto;
let backend: TestBackend;
const key = makeKey();

beforeAll(async () => {
  broker = await Mosquitto.start();
  backend = await TestBackend.connect(broker.url);
});
afterAll(async () => {
  await backend?.close();
  await broker?.close();
});

describe('tillqr run on a machine without SPI, framebuffer or GPIO (hardware "pi")', () => {
  const DEVICE = 'till-no-panel';
  let pty: PtyPair;
  let child: ChildProcess;
  let status: StatusWatcher;
  let host: Host;
  const out: string[] = [];
  const err: string[] = [];

  beforeAll(async () => {
    await backend.watch(DEVICE);
    status = await StatusWatcher.connect(broker.url, DEVICE);
    pty = await PtyPair.create();
    const dir = await tempDir('tillqr-no-panel-');
    const configPath = join(dir, 'config.json');
    await writeFile(
      configPath,
      JSON.stringify({
        ...rawDeviceConfig({ deviceId: DEVICE, url: broker.url, keys: [key], stateDir: join(dir, 'state') }),
        hardware: 'pi',
        logLevel: 'debug',
        console: { port: pty.device },
      }),
    );
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir };
    child = spawnTs(TILLQR, ['run', '--config', configPath], { env, cwd: dir });
    collectLines(child.stdout, out);
    collectLines(child.stderr, err);
    host = await Host.open(pty.host);
  });
  afterAll(async () => {
    await host?.close();
    if (child !== undefined && child.exitCode === null) {
      const done = exited(child);
      child.kill('SIGTERM');
      await done;
    }
    await status?.close();
    await pty?.close();
  });

  it('stays up with the display fault on the retained status, and reports the missing GPIO without crashing', async () => {
    const s = await status.until((x) => x.online && (x.faults ?? []).includes('PANEL_UNAVAILABLE'), 'online and the PANEL_UNAVAILABLE fault', 30_000);
    expect(s.state).toBe('idle');
    expect(child.exitCode).toBeNull();
    const log = out.join('\n');
    expect(log).toContain('/dev/spidev0.0');
    expect(log).toContain('GPIO_UNAVAILABLE');
    expect(err.join('\n')).not.toMatch(/Error|at .*\.ts/);
  });

  it('answers `status` on the serial console with the fault and its cause', async () => {
    // The console opens its port after the link is up: ask until it answers (a line sent before is lost).
    for (let i = 0; ; i++) {
      const at = host.mark();
      host.write('version\r');
      const answered = await host.waitFor(/tillqr \S+\r\n\S*> $/, at, 1000).then(
        () => true,
        () => false,
      );
      if (answered) break;
      if (i > 30) throw new Error(`the console never answered: ${host.text.slice(-500)}`);
    }
    const from = host.mark();
    host.write('status\r');
    const text = await host.waitFor(/display: +waveshare-2in9-v2 failing \(PANEL_UNAVAILABLE: [^\r\n]*\)\r\n/, from, 20_000);
    // The cause: no /dev/spidev0.0 here, or, on a Node.js whose ABI the installed spi-device addon
    // was not built for (the suite's Node 22 run), the addon that does not load; one line either way.
    expect(text).toMatch(
      /display: +waveshare-2in9-v2 failing \(PANEL_UNAVAILABLE: waveshare-2in9-v2 cannot be opened: cannot (open \/dev\/spidev0\.0: ENOENT[^\r\n]*dtparam=spi=on|load the spi-device package for \/dev\/spidev0\.0: [^\r\n]*NODE_MODULE_VERSION[^\r\n]*)/,
    );
    expect(text).toMatch(/broker: +connected/);
  });

  it('refuses a charge as display_unavailable instead of reporting it displayed, and keeps running', async () => {
    const before = backend.of(DEVICE).length;
    await backend.send(DEVICE, 'charge', backend.sign(DEVICE, key, chargeBody('NP-1', 900)));
    expect(await backend.nth(DEVICE, before + 1, 15_000)).toMatchObject({ type: 'rejected', orderId: 'NP-1', reason: 'display_unavailable' });
    expect(child.exitCode).toBeNull();
    expect(status.last?.state).toBe('idle');
  });

  it('keeps trying the panel with growing waits and stops cleanly on SIGTERM', async () => {
    await until(() => out.some((l) => l.includes('"the panel failed"') && l.includes('next attempt in 2 s')), 20_000, 'a second, later attempt');
    const done = exited(child);
    child.kill('SIGTERM');
    expect((await done).code).toBe(0);
  });
});

describe('the daemon in process with the simulated panel missing at start', () => {
  const DEVICE = 'till-late-panel';
  let daemon: Daemon;
  let status: StatusWatcher;

  beforeAll(async () => {
    await backend.watch(DEVICE);
    status = await StatusWatcher.connect(broker.url, DEVICE);
    const dir = await tempDir('tillqr-late-panel-');
    const configPath = join(dir, 'config.json');
    await writeFile(
      configPath,
      JSON.stringify({ ...rawDeviceConfig({ deviceId: DEVICE, url: broker.url, keys: [key], stateDir: join(dir, 'state') }), console: { enabled: false } }),
    );
    daemon = await startDaemon({ configPath, env: {}, logSink: memorySink(2000), prepareSim: (sim) => sim.panel.unplug() });
    await until(() => daemon.device?.saleState.link.kind === 'online', 10_000, 'the daemon did not connect');
  });
  afterAll(async () => {
    await daemon?.stop();
    await status?.close();
  });

  it('starts degraded: fault on the status, fault pattern on the LED, nothing drawn, charges refused', async () => {
    await status.until((s) => s.online && (s.faults ?? []).includes('PANEL_UNAVAILABLE'), 'the PANEL_UNAVAILABLE fault');
    const sim = daemon.sim!;
    expect(sim.panel.last).toBeUndefined();
    expect(daemon.display.available).toBe(false);
    expect(daemon.signals.indicator.status().event).toBe('fault');
    expect(sim.signals.snapshot().led).not.toBe('green');
    await backend.send(DEVICE, 'charge', backend.sign(DEVICE, key, chargeBody('LP-1', 700)));
    expect(await backend.nth(DEVICE, 1)).toMatchObject({ type: 'rejected', orderId: 'LP-1', reason: 'display_unavailable' });
    expect(daemon.device!.saleState.pending).toBeUndefined();
  });

  it('draws the idle screen and clears the fault once the panel is plugged in, then sells', async () => {
    const sim = daemon.sim!;
    sim.panel.plugIn();
    await until(() => sim.panel.last !== undefined, 20_000, 'a frame on the panel');
    const screen = daemon.device!.screen;
    expect(screen.name).toBe('idle');
    const expected = new Renderer().render(screen, sim.panel.info, daemon.config.display.rotation, daemon.config.display.language);
    expect(Buffer.from(sim.panel.last!.frame.data).equals(Buffer.from(expected.data.subarray(0, expected.stride * expected.height)))).toBe(true);
    expect(sim.panel.last!.mode).toBe('full');
    const s = await status.until((x) => x.online && x.faults === undefined, 'no faults');
    expect(s.state).toBe('idle');
    expect(daemon.display.healthy).toBe(true);
    expect(daemon.signals.indicator.status().event).not.toBe('fault');

    await backend.send(DEVICE, 'charge', backend.sign(DEVICE, key, chargeBody('LP-2', 700)));
    expect(await backend.nth(DEVICE, 2)).toMatchObject({ type: 'displayed', orderId: 'LP-2' });
  });
});

describe('tillqr run with nothing to hold it yet (hardware "pi", not provisioned, no panel, console port not there)', () => {
  it('stays up, retrying the panel and the console port, until told to stop', async () => {
    const dir = await tempDir('tillqr-nothing-yet-');
    const configPath = join(dir, 'config.json');
    // A USB gadget console (/dev/ttyGS0) appears only once a laptop is plugged in.
    await writeFile(configPath, JSON.stringify({ hardware: 'pi', stateDir: join(dir, 'state'), console: { port: join(dir, 'ttyGS0') } }));
    const child = spawnTs(TILLQR, ['run', '--config', configPath], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir }, cwd: dir });
    const lines: string[] = [];
    collectLines(child.stdout, lines);
    const done = exited(child);
    try {
      // The third attempt comes 3 s after the start: the process must still be there for it.
      await until(() => lines.some((l) => l.includes('next attempt in 4 s')) || child.exitCode !== null, 30_000, 'a third panel attempt or an exit');
      expect(child.exitCode, lines.slice(-5).join('\n')).toBeNull();
      expect(lines.join('\n')).toContain('console port not available');
    } finally {
      child.kill('SIGTERM');
    }
    expect((await done).code).toBe(0);
  });
});
