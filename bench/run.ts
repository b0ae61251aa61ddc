/**
 * `npm run bench`: runs every benchmark, each beside its baseline measured in the same run, and
 * writes docs/benchmarks.md with the date and the machine. `--quick` runs the short form (CI) and
 * writes to --out (default: a temp file) instead of the docs; `--only a,b` runs some; `--merge` puts
 * their sections into the existing file (bench/merge.ts).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { mergeBenchmarks } from './merge.js';
import { cpus, tmpdir, totalmem, release, platform, arch } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Bench, BenchRow, BenchSection } from './types.js';

const BENCHES: Record<string, () => Promise<Bench>> = {
  render: async () => (await import('./render.js')).renderBench,
  'panel-bytes': async () => (await import('./panel-bytes.js')).panelBytesBench,
  'charge-to-glass': async () => (await import('./charge-to-glass.js')).chargeToGlassBench,
  latency: async () => (await import('./latency.js')).latencyBench,
  fleet: async () => (await import('./fleet.js')).fleetBench,
  cluster: async () => (await import('./cluster.js')).clusterBench,
  voice: async () => (await import('./voice.js')).voiceBench,
  footprint: async () => (await import('./footprint.js')).footprintBench,
};

function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

export function ratio(row: BenchRow): string {
  if (row.baseline === undefined || row.value === 0 || row.baseline.value === 0) return '';
  const r = row.baseline.value / row.value;
  return r >= 1 ? `${fmt(r)}× better` : `${fmt(1 / r)}× worse`;
}

export function sectionMarkdown(s: BenchSection): string {
  const lines = [`## ${s.title}`, '', s.method, '', '| metric | value | baseline (same run) | ratio | target | met |', '|---|---|---|---|---|---|'];
  for (const r of s.rows) {
    const base = r.baseline ? `${fmt(r.baseline.value)} ${r.unit} (${r.baseline.name})` : '';
    const met = r.met === undefined ? '' : r.met ? 'yes' : '**no**';
    lines.push(`| ${r.metric} | ${fmt(r.value)} ${r.unit} | ${base} | ${ratio(r)} | ${r.target ?? ''} | ${met} |`);
  }
  if (s.notes && s.notes.length > 0) lines.push('', ...s.notes.map((n) => `- ${n}`));
  return lines.join('\n') + '\n';
}

function machine(): string {
  const c = cpus();
  return `${c[0]?.model.trim() ?? 'unknown CPU'}, ${c.length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, ${platform()} ${release()} ${arch()}, Node.js ${process.version}`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { quick: { type: 'boolean' }, only: { type: 'string' }, out: { type: 'string' }, merge: { type: 'boolean' } } });
  const quick = values.quick === true;
  const names = values.only ? values.only.split(',') : Object.keys(BENCHES);
  const unknown = names.filter((n) => !(n in BENCHES));
  if (unknown.length > 0) throw new Error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${Object.keys(BENCHES).join(', ')}`);
  const sections: string[] = [];
  const missed: string[] = [];
  for (const name of names) {
    const load = BENCHES[name];
    if (load === undefined) continue;
    const started = Date.now();
    console.error(`bench: ${name}...`);
    const section = await (await load())({ quick });
    console.error(`bench: ${name} done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    for (const r of section.rows) if (r.met === false) missed.push(`${section.title}: ${r.metric} (${fmt(r.value)} ${r.unit}, target ${r.target ?? '?'})`);
    sections.push(sectionMarkdown(section));
  }
  const doc = [
    '# Benchmarks',
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} on ${machine()}${quick ? ' (quick form: fewer iterations)' : ''}.`,
    'Every figure stands beside its baseline measured in the same run. Regenerate with `npm run bench`.',
    '',
    ...sections,
    missed.length > 0 ? `## Targets not met\n\n${missed.map((m) => `- ${m}`).join('\n')}\n` : '## Targets\n\nEvery target above is met in this run.\n',
  ].join('\n');
  const out = values.out ?? (quick ? join(tmpdir(), 'tillqr-benchmarks-quick.md') : 'docs/benchmarks.md');
  const note = `Merged ${new Date().toISOString().slice(0, 10)} on ${machine()}: ${names.join(', ')} (\`npm run bench -- --only ... --merge\`).`;
  await writeFile(out, values.merge === true ? mergeBenchmarks(await readFile(out, 'utf8'), sections, note) : doc);
  console.log(doc);
  console.error(`bench: wrote ${out}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
