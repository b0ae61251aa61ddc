/**
 * The daemon in its own process, for the crash runs: `daemon-entry CONFIG.json [--churn]`. It is
 * startDaemon (the composition root) with `hardware: "sim"`, plus what a test needs to watch it:
 *
 *   ready                      the device is connected
 *   paid-signal ORDER          the simulated buzzer started the success melody (its first note,
 *                              1319 Hz, belongs to no other pattern); ORDER is the sale on screen
 *   config ROTATION            --churn: a config change was saved (display.rotation, 0 or 180,
 *                              flipped every 15 ms through the ConfigStore, as a console or
 *                              fleet change would), so a kill can land in the middle of a write
 *
 * Log lines go to stderr. The parent SIGKILLs it at random moments and starts it again.
 */
import { writeSync } from 'node:fs';
import { startDaemon } from '../../src/main.js';

const PAID_FIRST_NOTE_HZ = 1319;

const [configPath, ...flags] = process.argv.slice(2);
if (configPath === undefined) throw new Error('usage: daemon-entry CONFIG.json [--churn]');
// Synchronous: a line written just before a SIGKILL must not be lost in a pipe buffer.
const say = (line: string): void => void writeSync(1, `${line}\n`);

const daemon = await startDaemon({ configPath, env: {}, logSink: { write: (l) => void process.stderr.write(l) } });
const device = daemon.device;
const sim = daemon.sim;
if (device === undefined || sim === undefined) throw new Error('daemon-entry needs a provisioned device with hardware "sim"');

let melody = false;
sim.signals.onChange((s) => {
  const first = s.buzzer.on && s.buzzer.hz === PAID_FIRST_NOTE_HZ;
  if (first && !melody) say(`paid-signal ${device.saleState.result?.orderId ?? '?'}`);
  melody = first;
});

// The system clock's timers do not hold the process open; this does.
const keepAlive = setInterval(() => undefined, 60_000);
let stopping = false;
process.once('SIGTERM', () => {
  stopping = true;
  clearInterval(keepAlive);
  void daemon.stop().then(() => process.exit(0));
});

if (flags.includes('--churn')) {
  const churn = async (): Promise<void> => {
    while (!stopping) {
      const next = daemon.configStore.current.display.rotation === 0 ? 180 : 0;
      await daemon.configStore.setText('display.rotation', String(next), 'churn');
      say(`config ${next}`);
      await new Promise((r) => setTimeout(r, 15));
    }
  };
  void churn();
}

const poll = setInterval(() => {
  if (device.saleState.link.kind === 'online') {
    clearInterval(poll);
    say('ready');
  }
}, 5);
