/** docs/reliability.md from the sections of a run. */
import type { Section } from './types.js';

export interface ReportInput {
  readonly date: string;
  readonly machine: string;
  readonly quick: boolean;
  readonly seed: number;
  readonly gc: boolean;
  readonly sections: readonly { readonly name: string; readonly section: Section; readonly sec: number }[];
}

/** Faults these runs found, each fixed in its owning file and pinned by a test in findings.test.ts. */
export const FINDINGS: readonly string[] = [
  "The daemon killed between writing an accepted confirmation to disk and publishing `paid` lost that event for good: the broker redelivered the confirmation, and the restarted device acknowledged the redelivery silently (decision 0006, point 4), so the backend never heard of the payment and a resend got `replayed`. Fixed in src/daemon/decision-store.ts and src/daemon/state-file.ts: a decision's events are written with it and published on that redelivery after a restart (or at start, for an expiry).",
  'The replay cache kept every jti until it reached its bound of 20,000 entries, and the device rewrote all of them with every accepted message (2.3 MB of JSON, ~100 ms per write here). Fixed in src/payment/replay-cache.ts: expired entries are forgotten as new ones arrive, so cache and state file stay the size of the live set (25 h of messages).',
  "A config file nested a few thousand levels deep made ConfigStore.open (the daemon's first step) die with a stack overflow, and a deep value for `set` or a merged partial answered INTERNAL. Fixed in src/config/load.ts and src/config/config-store.ts: input nested deeper than 64 levels is CONFIG_INVALID.",
  'A kill during a config write left a temp copy of the configuration (secrets included) beside it, one more per crash. Fixed in src/config/config-store.ts: ConfigStore.open removes them, as the state file already did.',
];

/** Table cells: no pipes or line breaks inside. */
const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

export function sectionMarkdown(s: Section, sec: number): string {
  const lines = [`## ${s.title}`, '', s.method, ''];
  if (s.figures.length > 0) {
    lines.push('| figure | value |', '|---|---|');
    for (const f of s.figures) lines.push(`| ${cell(f.metric)} | ${cell(f.value)} |`);
    lines.push('');
  }
  if (s.checks.length > 0) {
    lines.push('| check | result | seen |', '|---|---|---|');
    for (const c of s.checks) lines.push(`| ${cell(c.what)} | ${c.ok ? 'pass' : '**FAIL**'} | ${cell(c.detail)} |`);
    lines.push('');
  }
  if (s.notes && s.notes.length > 0) lines.push(...s.notes.map((x) => `- ${x}`), '');
  lines.push(`_Run time: ${sec.toFixed(0)} s._`, '');
  return lines.join('\n');
}

export function reportMarkdown(r: ReportInput): string {
  const failed = r.sections.flatMap((s) => s.section.checks.filter((c) => !c.ok).map((c) => `${s.section.title}: ${c.what}`));
  const total = r.sections.reduce((n, s) => n + s.section.checks.length, 0);
  const summary = ['| run | checks | result |', '|---|---|---|'];
  for (const s of r.sections) {
    const bad = s.section.checks.filter((c) => !c.ok).length;
    summary.push(
      `| ${cell(s.section.title)} | ${s.section.checks.length} | ${s.section.checks.length === 0 ? 'skipped' : bad === 0 ? 'pass' : `**${bad} failed**`} |`,
    );
  }
  return [
    '# Reliability',
    '',
    `Measured ${r.date} on ${r.machine}${r.quick ? ' (short form: reduced counts)' : ''}; fast-check seed ${r.seed}; memory sampled after a full garbage collection${r.gc ? '' : ' (turned on at run time)'}.`,
    `Every figure comes from this run, which took ${Math.round(r.sections.reduce((t, s) => t + s.sec, 0) / 60)} min. Regenerate with \`npm run reliability\` (\`--only NAME,...\` runs some, \`--quick\` the short form). The same runs with reduced counts are CI tests (test/integration/reliability), and the faults they found are pinned in test/integration/reliability/findings.test.ts.`,
    '',
    ...summary,
    '',
    failed.length === 0 ? `All ${total} checks passed.` : `**${failed.length} of ${total} checks failed:**\n\n${failed.map((f) => `- ${f}`).join('\n')}`,
    '',
    ...r.sections.map((s) => sectionMarkdown(s.section, s.sec)),
    '## Faults found by these runs (fixed)',
    '',
    ...FINDINGS.map((f) => `- ${f}`),
    '',
  ].join('\n');
}

/**
 * `--merge`: put the sections of a partial run (`--only`) into an existing report, replacing a
 * section of the same title or adding it before the findings, with its row in the summary and the
 * totals recounted; the other sections keep their figures and dates (the header says which run
 * was merged when).
 */
export function mergeReport(existing: string, r: ReportInput): string {
  let doc = existing;
  for (const s of r.sections) {
    const md = sectionMarkdown(s.section, s.sec);
    const start = doc.indexOf(`\n## ${s.section.title}\n`);
    if (start >= 0) {
      const next = doc.indexOf('\n## ', start + 4);
      doc = `${doc.slice(0, start + 1)}${md}${next >= 0 ? doc.slice(next + 1) : ''}`;
    } else {
      const findings = doc.indexOf('\n## Faults found by these runs');
      doc = findings >= 0 ? `${doc.slice(0, findings + 1)}${md}${doc.slice(findings + 1)}` : `${doc}\n${md}`;
    }
    const bad = s.section.checks.filter((c) => !c.ok).length;
    const row = `| ${cell(s.section.title)} | ${s.section.checks.length} | ${s.section.checks.length === 0 ? 'skipped' : bad === 0 ? 'pass' : `**${bad} failed**`} |`;
    const rowAt = doc.indexOf(`| ${cell(s.section.title)} |`);
    if (rowAt >= 0) doc = doc.slice(0, rowAt) + row + doc.slice(doc.indexOf('\n', rowAt));
    else {
      const tableEnd = doc.indexOf('\n\n', doc.indexOf('| run | checks | result |'));
      doc = `${doc.slice(0, tableEnd)}\n${row}${doc.slice(tableEnd)}`;
    }
  }
  const rows = [...doc.matchAll(/^\| (.+?) \| (\d+) \| (pass|skipped|\*\*(\d+) failed\*\*) \|$/gm)];
  const total = rows.reduce((t, m) => t + Number(m[2]), 0);
  const failed = rows.reduce((t, m) => t + Number(m[4] ?? 0), 0);
  doc = doc.replace(
    /^(All \d+ checks passed\.|\*\*\d+ of \d+ checks failed:\*\*)$/m,
    failed === 0 ? `All ${total} checks passed.` : `**${failed} of ${total} checks failed:**`,
  );
  const merged = r.sections.map((s) => s.section.title).join(', ');
  const note = `Merged ${r.date} on ${r.machine}: ${merged} (\`npm run reliability -- --only ... --merge\`).`;
  return doc.replace(/\n(Merged .*\n)?\nEvery figure|\nEvery figure/, (m) =>
    m.startsWith('\nMerged') ? `\n${note}\n\nEvery figure` : `\n${note}\nEvery figure`,
  );
}
