/**
 * The daemon in its own process, for the crash runs: `daemon-entry CONFIG.json SIGNALS.log
 * [--churn] [--trace]`. It is startDaemon (the composition root) with `hardware: "sim"`, plus what
 * a test needs to watch it. On stdout:
 *
 *   ready                      the device is connected
 *   config ROTATION            --churn: a config change was saved (display.rotation, 0 or 180,
 *                              flipped every 15 ms through the ConfigStore, as a console or
 *                              fleet change would), so a kill can land in the middle of a write
 *
 * Appended to SIGNALS.log (a file: every line reaches the disk before the next instruction, as a
 * pipe with a full buffer would not promise):
 *
 *   paid-signal ORDER          the simulated buzzer started the success melody (its first note,
 *                              1319 Hz, belongs to no other pattern); ORDER is the sale on screen
 *
 * Log lines go to stderr. The parent SIGKILLs it at random moments and starts it again.
 */
import { openSync, writeSync } from 'node:fs';
import { startDaemon } from '../../src/main.js';

const PAID_FIRST_NOTE_HZ = 1319;

const [configPath, signalsPath, ...flags] = process.argv.slice(2);
if (configPath === undefined || signalsPath === undefined) throw new Error('usage: daemon-entry CONFIG.json SIGNALS.log [--churn] [--trace]');
const say = (line: string): void => void process.stdout.write(`${line}\n`);
const signalsFd = openSync(signalsPath, 'a');
const record = (line: string): void => void writeSync(signalsFd, `${line}\n`);

const daemon = await startDaemon({ configPath, env: {}, logSink: { write: (l) => void process.stderr.write(l) } });
const device = daemon.device;
const sim = daemon.sim;
if (device === undefined || sim === undefined) throw new Error('daemon-entry needs a provisioned device with hardware "sim"');

const trace = flags.includes('--trace');
// Messages the broker kept for the device may be handled before startDaemon returns: look for the
// melody in what the simulated PWM already did. The note is written in the same step, so at the
// same clock time, as the payment is accepted: the history entry of that time names the order.
let melody = false;
for (const st of sim.pwm.history) {
  const first = st.enabled && st.dutyNs > 0 && st.periodNs > 0 && Math.round(1e9 / st.periodNs) === PAID_FIRST_NOTE_HZ;
  if (first && !melody) record(`paid-signal ${device.history().find((h) => h.acceptedAt === st.at)?.orderId ?? device.saleState.result?.orderId ?? '?'}`);
  melody = first;
}
sim.signals.onChange((s) => {
  if (trace)
    record(`trace ${s.at} ${s.led} ${s.buzzer.on ? String(s.buzzer.hz) : '-'} ${device.saleState.phase.name} ${device.saleState.result?.orderId ?? ''}`);
  const first = s.buzzer.on && s.buzzer.hz === PAID_FIRST_NOTE_HZ;
  if (first && !melody) record(`paid-signal ${device.saleState.result?.orderId ?? '?'}`);
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
