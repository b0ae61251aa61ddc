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
    summary.push(`| ${cell(s.section.title)} | ${s.section.checks.length} | ${s.section.checks.length === 0 ? 'skipped' : bad === 0 ? 'pass' : `**${bad} failed**`} |`);
  }
  return [
    '# Reliability',
    '',
    `Measured ${r.date} on ${r.machine}${r.quick ? ' (short form: reduced counts)' : ''}; fast-check seed ${r.seed}; memory sampled after a full garbage collection${r.gc ? '' : ' (turned on at run time)'}.`,
    'Every figure comes from this run. Regenerate with `npm run reliability` (about an hour on this machine; `--only NAME,...` runs some, `--quick` the short form). The same runs with reduced counts are CI tests (test/integration/reliability), and the faults they found are pinned in test/integration/reliability/findings.test.ts.',
    '',
    ...summary,
    '',
    failed.length === 0 ? `All ${total} checks passed.` : `**${failed.length} of ${total} checks failed:**\n\n${failed.map((f) => `- ${f}`).join('\n')}`,
    '',
    ...r.sections.map((s) => sectionMarkdown(s.section, s.sec)),
  ].join('\n');
}
