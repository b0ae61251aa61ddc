/**
 * `npm run reliability`: fuzzing, fault injection and the soak, with the figures and checks of
 * every run written to docs/reliability.md with the date and the machine. Runs compiled (`npm run
 * build`, then node dist/bench/reliability/run.js, with --expose-gc for honest memory figures).
 *
 *   --quick        the short form (the counts of the CI tests), written to a temp file unless --out
 *   --only a,b     some runs only (names below)
 *   --out FILE     where to write the report
 *   --seed N       the fast-check seed (default 20260105)
 *   --merge        put the runs' sections into the existing report instead of rewriting it
 *
 * The exit code is 1 when any check failed; the report is written either way.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fuzzConfig } from './fuzz-config.js';
import { fuzzConsole } from './fuzz-console.js';
import { fuzzMqttBroker, fuzzMqttMemory } from './fuzz-mqtt.js';
import { runBrokerFault } from './fault-broker.js';
import { runDiskFault } from './fault-disk.js';
import { runKillFault } from './fault-kill.js';
import { runPanelFault } from './fault-panel.js';
import { runSerialFault } from './fault-serial.js';
import { COUNTS, type Counts } from './counts.js';
import { machine } from './machine.js';
import { mergeReport, reportMarkdown } from './report.js';
import {
  brokerFaultSection,
  configFuzzSection,
  consoleFuzzSection,
  diskFaultSection,
  killFaultSection,
  mqttFuzzSection,
  panelFaultSection,
  serialFaultSection,
} from './sections.js';
import { runSoak, soakSection } from './soak.js';
import { ownerKeysSection, runOwnerKeys } from './owner-keys.js';
import type { Section } from './types.js';

const progress = (line: string): void => void process.stderr.write(`reliability: ${line}\n`);

function runs(c: Counts, seed: number, quick: boolean): Record<string, () => Promise<Section>> {
  // The soak's state directory is a tmpfs when there is one: the run is about memory, handles and
  // timers over many sales, and the crash runs cover the disk.
  const stateRoot = process.platform === 'linux' ? '/dev/shm' : tmpdir();
  return {
    'fuzz-mqtt': async () => {
      const closed = await fuzzMqttMemory({ runs: c.mqttClosed, seed, state: 'closed' });
      const pending = await fuzzMqttMemory({ runs: c.mqttPending, seed: seed + 1, state: 'pending' });
      const broker = await fuzzMqttBroker({ runs: c.mqttBroker, seed: seed + 2 });
      return mqttFuzzSection([closed, pending, broker], seed);
    },
    'fuzz-console': async () => consoleFuzzSection(await fuzzConsole({ runs: c.console, seed }), seed),
    'fuzz-config': async () => configFuzzSection(await fuzzConfig({ runs: c.config, seed }), seed),
    'fault-broker': async () => brokerFaultSection(await runBrokerFault({ restarts: c.brokerRestarts, minSales: quick ? 50 : 200 })),
    'fault-kill': async () => killFaultSection(await runKillFault({ kills: c.kills, log: progress })),
    'fault-disk': async () => diskFaultSection(await runDiskFault({ sales: c.diskSales })),
    'fault-panel': async () => panelFaultSection(await runPanelFault({ stuckSales: c.panelStuck, salesAfter: c.panelAfter })),
    'fault-serial': async () => serialFaultSection(await runSerialFault({ cycles: c.serialCycles })),
    'owner-keys': async () => ownerKeysSection(await runOwnerKeys()),
    soak: async () =>
      soakSection([
        await runSoak({ sales: c.soakSales, link: 'broker', stateRoot, progress: (d) => progress(`soak: ${d} sales`), progressEvery: quick ? 500 : 10_000 }),
      ]),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { quick: { type: 'boolean' }, only: { type: 'string' }, out: { type: 'string' }, seed: { type: 'string' }, merge: { type: 'boolean' } },
  });
  const quick = values.quick === true;
  const seed = values.seed === undefined ? 20_260_105 : Number(values.seed);
  const all = runs(quick ? COUNTS.quick : COUNTS.full, seed, quick);
  const names = values.only ? values.only.split(',') : Object.keys(all);
  const unknown = names.filter((x) => !(x in all));
  if (unknown.length > 0) throw new Error(`unknown run(s): ${unknown.join(', ')}; known: ${Object.keys(all).join(', ')}`);
  const sections: { name: string; section: Section; sec: number }[] = [];
  for (const name of names) {
    const run = all[name];
    if (run === undefined) continue;
    const started = Date.now();
    progress(`${name}...`);
    let section: Section;
    try {
      section = await run();
    } catch (e) {
      section = {
        title: name,
        method: 'The run itself failed.',
        figures: [],
        checks: [{ what: 'the run completed', ok: false, detail: e instanceof Error ? (e.stack ?? e.message) : String(e) }],
      };
    }
    const sec = (Date.now() - started) / 1000;
    progress(`${name} done in ${sec.toFixed(0)} s: ${section.checks.filter((c) => !c.ok).length} of ${section.checks.length} checks failed`);
    sections.push({ name, section, sec });
  }
  const input = {
    date: new Date().toISOString().slice(0, 10),
    machine: machine(),
    quick,
    seed,
    gc: typeof (globalThis as { gc?: unknown }).gc === 'function',
    sections,
  };
  const out = values.out ?? (quick ? join(tmpdir(), 'tillqr-reliability-quick.md') : 'docs/reliability.md');
  const doc = values.merge === true ? mergeReport(await readFile(out, 'utf8'), input) : reportMarkdown(input);
  await writeFile(out, doc);
  progress(`wrote ${out}`);
  const failedChecks = sections.flatMap((s) => s.section.checks.filter((c) => !c.ok));
  if (failedChecks.length > 0) {
    progress(`${failedChecks.length} checks failed`);
    process.exitCode = 1;
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
