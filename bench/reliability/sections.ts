/**
 * Each run's result as a report section: what was done, the figures, the checks. The CI tests
 * assert on the same checks, so the report and the tests cannot disagree about what passed.
 */
import type { ConfigFuzzStats } from './fuzz-config.js';
import type { ConsoleFuzzStats } from './fuzz-console.js';
import { describeMemory, type FuzzStats } from './fuzz-mqtt.js';
import { brokerFaultChecks, type BrokerFaultResult } from './fault-broker.js';
import { diskFaultChecks, type DiskFaultResult } from './fault-disk.js';
import { killFaultChecks, type KillFaultResult } from './fault-kill.js';
import { panelFaultChecks, type PanelFaultResult } from './fault-panel.js';
import { serialFaultChecks, type SerialFaultResult } from './fault-serial.js';
import { mib } from './machine.js';
import { check, n, type Section } from './types.js';

const top = (m: Map<string, number>, k = 40): string =>
  [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, k)
    .map(([name, count]) => `${name} ${n(count)}`)
    .join(', ');

const memory = (s: {
  before: { rssBytes: number; heapUsedBytes: number } | undefined;
  after: { rssBytes: number; heapUsedBytes: number } | undefined;
}): string =>
  s.before === undefined || s.after === undefined
    ? 'not sampled'
    : `RSS ${mib(s.before.rssBytes)} → ${mib(s.after.rssBytes)}, V8 heap ${mib(s.before.heapUsedBytes)} → ${mib(s.after.heapUsedBytes)}`;

/** Heap after a full GC may grow by this much over a fuzz run (caches filling, JIT); more is a leak. */
const FUZZ_HEAP_SLACK = 16 * 2 ** 20;

export function mqttFuzzSection(runs: readonly FuzzStats[], seed: number): Section {
  const total = runs.reduce((sum, r) => sum + r.runs, 0);
  const violations = runs.reduce((sum, r) => sum + r.violationCount, 0);
  const reasons = new Map<string, number>();
  const classes = new Map<string, number>();
  const topics = new Map<string, number>();
  for (const r of runs) {
    for (const [k, v] of r.reasons) reasons.set(k, (reasons.get(k) ?? 0) + v);
    for (const [k, v] of r.classes) classes.set(k, (classes.get(k) ?? 0) + v);
    for (const [k, v] of r.byTopic) topics.set(k, (topics.get(k) ?? 0) + v);
  }
  const checked = runs.reduce((sum, r) => sum + r.reasonChecked, 0);
  return {
    title: 'Fuzzing: MQTT payloads',
    method:
      'fast-check generates hostile payloads for the charge, cancel and payment topics (bench/reliability/mqtt-payloads.ts): random bytes and text, JWS-shaped garbage, unsigned JSON, genuine tokens truncated, mutated and bit-flipped, oversized messages, deeply nested JSON (bare, inside a signed payload, inside a signed protected header), signed payloads with fields of the wrong type, genuinely signed messages with wrong content (audience, time window, lifetime, typ, order, amount, currency, closed order, replayed jti, no QR possible), exact replays, foreign keys and algorithms. The device holds one paid sale and one sale on screen or just cancelled; every payload must be refused. Volume goes through the Device on the in-memory link (FakeClock frozen); a share goes through a real Mosquitto to the daemon built by startDaemon.',
    figures: [
      { metric: 'payloads', value: `${n(total)} (${runs.map((r) => `${n(r.runs)} ${r.where}`).join('; ')}), seed ${seed}` },
      { metric: 'per topic', value: top(topics) },
      { metric: 'per kind', value: top(classes) },
      { metric: 'rejection reasons seen', value: top(reasons) },
      { metric: 'payloads whose exact reason was checked', value: n(checked) },
      ...runs.map((r) => ({ metric: `${r.where}: memory before / after (after full GC)`, value: `${describeMemory(r)}; ${r.wallSec.toFixed(0)} s` })),
    ],
    checks: [
      check(
        'every payload answered by exactly one well-formed `rejected` event (contract schema; order named only when the signature verified; expected reason where one fault decides)',
        violations === 0,
        violations === 0
          ? `${n(total)} payloads, 0 violations`
          : runs
              .flatMap((r) => r.violations)
              .slice(0, 3)
              .join(' | '),
      ),
      check(
        'no success signal, no signal at all, no screen or sale change',
        runs.every((r) => r.effectViolations === 0),
        `${runs.reduce((sum, r) => sum + r.effectViolations, 0)} payloads changed something; checked after every payload: patterns played, the simulated LED and buzzer, screens, the pending sale, the history`,
      ),
      check(
        'no internal error logged',
        runs.every((r) => r.errorLogLines === 0),
        runs.map((r) => `${r.where}: ${r.errorLogLines}`).join('; '),
      ),
      check(
        'memory bounded: V8 heap after a full GC grows less than 16 MiB over the run',
        runs.every((r) => r.before !== undefined && r.after !== undefined && r.after.heapUsedBytes - r.before.heapUsedBytes < FUZZ_HEAP_SLACK),
        runs.map((r) => `${r.where}: ${describeMemory(r)}`).join('; '),
      ),
    ],
  };
}

export function consoleFuzzSection(s: ConsoleFuzzStats, seed: number): Section {
  return {
    title: 'Fuzzing: console lines and Improv packets',
    method:
      "fast-check generates console input (bench/reliability/console-inputs.ts): commands of the real vocabulary with odd arguments, editing keys, escape sequences and control bytes, invalid UTF-8, overlong lines, JSON-mode requests with unique ids and JSON garbage (deep nesting included), Improv packets of every type with random RPC payloads and Wi-Fi settings, broken packets (checksum, version, length, cut short), text that starts like an Improv header, and mixtures, each fed in random chunks to the real ConsoleSession (demultiplexer, line editor, command queue) over a real ConfigStore, the daemon's own console target (src/daemon/console-target.ts) and a Device on simulated parts. A sync request after each input proves it was handled.",
    figures: [
      { metric: 'inputs', value: `${n(s.runs)} (seed ${seed}), ${n(s.bytesIn)} bytes in, ${n(s.bytesOut)} bytes out` },
      { metric: 'per kind', value: top(s.classes) },
      { metric: 'JSON replies / Improv packets out', value: `${n(s.jsonReplies)} / ${n(s.improvReplies)}` },
      { metric: 'inputs that held the sync line (partial Improv packet or a prompt)', value: n(s.resyncs) },
      { metric: 'memory before / after (after full GC)', value: `${memory(s)}; ${s.wallSec.toFixed(0)} s` },
    ],
    checks: [
      check(
        'every reply well-formed: JSON lines pure ASCII {id, ok, data|error}, Improv packets with a valid checksum; one reply per JSON line and per request id; an answer to every Improv RPC',
        s.violationCount === 0,
        s.violationCount === 0 ? `${n(s.runs)} inputs, 0 violations` : s.violations.slice(0, 3).join(' | '),
      ),
      check(
        'no crash: nothing thrown, no internal error logged',
        s.thrown === 0 && s.internalErrors === 0,
        `${s.thrown} thrown, ${s.internalErrors} error lines`,
      ),
      check(
        'no success signal from the device',
        s.paidSignals === 0,
        `${s.paidSignals} paid signals played by the Device (the console's \`buzzer test\` plays the paid melody on the indicator directly; those are not the device's)`,
      ),
      check(
        'memory bounded: V8 heap after a full GC grows less than 16 MiB',
        s.before !== undefined && s.after !== undefined && s.after.heapUsedBytes - s.before.heapUsedBytes < FUZZ_HEAP_SLACK,
        memory(s),
      ),
    ],
  };
}

export function configFuzzSection(s: ConfigFuzzStats, seed: number): Section {
  return {
    title: 'Fuzzing: config files',
    method:
      "fast-check generates config files (bench/reliability/fuzz-config.ts): random bytes, JSON that is not an object, a valid config with one to four leaves broken (wrong type, out of range, unknown or prototype-named keys, deep nesting, huge strings, a wrong secret), cut short, with a BOM or trailing bytes, empty; with random TILLQR_* overrides. Each goes through loadConfig and ConfigStore.open, and when it opens, one ConfigStore.setText of a random key and value (deep JSON included), as the console's `set` does.",
    figures: [
      { metric: 'files', value: `${n(s.runs)} (seed ${seed})` },
      { metric: 'per kind', value: top(s.classes) },
      { metric: 'outcomes', value: top(s.outcomes) },
      { metric: 'memory before / after (after full GC)', value: `${memory(s)}; ${s.wallSec.toFixed(0)} s` },
    ],
    checks: [
      check(
        'only CONFIG_INVALID / CONFIG_UNREADABLE / CONFIG_UNKNOWN_KEY with a message, never another exception; a loaded config is frozen and valid',
        s.violationCount === 0,
        s.violationCount === 0 ? `${n(s.runs)} files, 0 violations` : s.violations.slice(0, 3).join(' | '),
      ),
      check(
        'a refused file or change leaves the file byte for byte as it was; an accepted change is on disk',
        s.violationCount === 0,
        'checked for every file and every set',
      ),
      check(
        'no secret value in any error message or log line',
        s.violationCount === 0,
        'a marked password in mqtt.password, console.passphraseHash, mqtt.keyFile and TILLQR_MQTT__PASSWORD',
      ),
    ],
  };
}

export function brokerFaultSection(r: BrokerFaultResult): Section {
  return {
    title: 'Fault: the broker killed and restarted during sales',
    method:
      'A Device on simulated parts with MqttLink (system clock, reconnect 100-1000 ms) and a backend on MQTT.js sell continuously against a real Mosquitto; the broker is stopped by SIGKILL and SIGTERM in turn, down 50-800 ms, every 0.3-1.2 s. The backend sends a message again (same bytes, same jti) when no answer comes within 1.5 s, as a real backend would. Success signals are counted per order on the device, `paid` events per order as published and as received.',
    figures: [
      { metric: 'restarts', value: `${r.restarts} (${r.kills.SIGKILL} SIGKILL, ${r.kills.SIGTERM} SIGTERM)` },
      { metric: 'sales meanwhile', value: n(r.sales) },
      { metric: 'messages sent again by the backend', value: n(r.resends) },
      { metric: 'inbound redeliveries acknowledged silently (DUP, already accepted)', value: n(r.duplicatesAcked) },
      { metric: '`paid` events received twice by the backend (identical QoS 1 copies)', value: n(r.receivedTwice.length) },
      { metric: 'wall time', value: `${r.wallSec.toFixed(0)} s` },
    ],
    checks: brokerFaultChecks(r),
    notes: [
      'Events are at least once on the wire: when the broker dies after passing an event on but before its PUBACK reaches the device, MQTT.js sends it again. The copies are identical (same `at`); the device decided once. A backend de-duplicates by (type, orderId, at).',
    ],
  };
}

export function killFaultSection(r: KillFaultResult): Section {
  return {
    title: 'Fault: the daemon SIGKILLed at random moments',
    method:
      'The daemon (startDaemon, simulated hardware, bench/reliability/daemon-entry.ts) runs as a child process against a real Mosquitto, sells continuously and rewrites its config every 15 ms (display.rotation through the ConfigStore, as a console or fleet change would). It is SIGKILLed 50-600 ms into each round and started again; the broker keeps its session. After every kill the config and state files are checked; after every restart up to 12 earlier messages are sent again.',
    figures: [
      { metric: 'kills', value: n(r.kills) },
      { metric: 'sales / config writes', value: `${n(r.sales)} / ${n(r.configWrites)}` },
      { metric: 'replays after restarts', value: n(r.replaysSent) },
      {
        metric: 'orders signalled a second time after a kill between signal and state write',
        value: `${r.signalledAgainAfterKill.length} of ${r.kills} kills`,
      },
      { metric: 'wall time', value: `${r.wallSec.toFixed(0)} s` },
    ],
    checks: killFaultChecks(r),
    notes: [
      'A second success signal after a restart is the trade-off of decision 0006 (signal first, then write): a kill after the signal and before the state is on disk means the broker redelivers the confirmation and the new process signals again. Here sales follow each other every few milliseconds and the window includes drawing the paid screen, so a kill often lands in it; at a real till (a sale every few minutes) the chance per crash is that window divided by the time between sales.',
    ],
  };
}

export function diskFaultSection(r: DiskFaultResult): Section {
  if ('skipped' in r) {
    return {
      title: 'Fault: disk full on the state directory',
      method: 'Skipped.',
      figures: [],
      checks: [],
      notes: [
        `Not run: ${r.skipped}. What the other runs check instead: writes are atomic (temp file, fsync, rename) and a failed write leaves the old file (the SIGKILL run).`,
      ],
    };
  }
  return {
    title: 'Fault: disk full on the state directory',
    method:
      'The state directory and the config file sit on a 64 KiB tmpfs (mount -t tmpfs -o size=64k); a filler file takes the rest while a sale is on screen. A Device on simulated parts (memory link, FakeClock) sells on; a config change is tried; a second device opened on the directory shows what a restart would see; then the filler goes and one more sale is made.',
    figures: [
      { metric: 'sales with the disk full', value: n(r.salesWhileFull) },
      { metric: 'failed state writes logged', value: n(r.writeFailuresLogged) },
      { metric: 'config change', value: r.configRefusal.slice(0, 140) },
      { metric: 'confirmations a restart with the disk still full would accept again', value: `${r.replaysAcceptedAfterFullRestart} of ${r.replaysTried}` },
    ],
    checks: diskFaultChecks(r),
    notes: [
      "The failure reaches the operator on the retained status topic (`faults`, shown by `tillqr fleet status`) and the technician in the console `status`; the cashier's screen is not changed, since payments still work.",
      'While the disk is full the replay cache lives in memory only. A restart before space comes back restores the last state written: the sale that was on screen then is pending again and its confirmation, already signalled, would be accepted and signalled again.',
    ],
  };
}

export function panelFaultSection(r: PanelFaultResult): Section {
  return {
    title: 'Fault: a panel whose BUSY line never releases',
    method:
      "The daemon (startDaemon, simulated hardware, FakeClock, real Mosquitto) has its SimPanel scripted 'stuck' for every refresh attempt during the first sales: each refresh waits out display.busyTimeoutMs (5 s), resets, retries, fails with PANEL_BUSY_TIMEOUT. Then BUSY releases again and more sales follow.",
    figures: [
      { metric: 'sales with the panel stuck / after', value: `${r.stuckSales} / ${r.salesAfter}` },
      { metric: 'refresh attempts stuck / BUSY timeouts / panel errors', value: `${r.stuckAttempts} / ${r.busyTimeouts} / ${r.panelErrors}` },
    ],
    checks: panelFaultChecks(r),
  };
}

export function serialFaultSection(r: SerialFaultResult): Section {
  return {
    title: 'Fault: the serial port vanishing',
    method:
      'The daemon (startDaemon, simulated hardware, real Mosquitto) runs its own SerialConsole on one end of a socat pty pair; a laptop-side ConsoleClient on the real serialport package sits on the other. Each cycle socat is killed (both ends vanish, as when the USB adapter is pulled), started again 100-400 ms later under the same names, and the console must answer `version` and `status` again. Sales run through the broker all the time.',
    figures: [
      { metric: 'vanishings', value: n(r.cycles) },
      { metric: 'sales meanwhile', value: n(r.sales) },
      { metric: 'wall time', value: `${r.wallSec.toFixed(0)} s` },
    ],
    checks: serialFaultChecks(r),
  };
}
