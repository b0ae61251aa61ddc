/**
 * `npm run bench -- --only a,b --merge`: put the sections of a partial run into the existing
 * docs/benchmarks.md, replacing sections of the same title or adding them before the targets, and
 * recount the targets from every table; the header says which sections were merged when (the
 * others keep their own run's figures: each section's baseline is always from its own run).
 */
export function mergeBenchmarks(existing: string, sections: readonly string[], note: string): string {
  let doc = existing;
  for (const md of sections) {
    const title = md.split('\n', 1)[0] ?? '';
    const start = doc.indexOf(`\n${title}\n`);
    if (start >= 0) {
      const next = doc.indexOf('\n## ', start + 4);
      doc = `${doc.slice(0, start + 1)}${md}${next >= 0 ? doc.slice(next) : ''}`;
    } else {
      const targets = doc.search(/\n## Targets( not met)?\n/);
      doc = targets >= 0 ? `${doc.slice(0, targets + 1)}${md}${doc.slice(targets)}` : `${doc}\n${md}`;
    }
  }
  // Recount the targets from the tables as they now stand.
  const missed: string[] = [];
  let section = '';
  for (const line of doc.split('\n')) {
    if (line.startsWith('## ')) section = line.slice(3);
    const cells = line.split(' | ');
    if (line.startsWith('| ') && line.endsWith(' | **no** |') && cells.length >= 6)
      missed.push(`${section}: ${cells[0]?.slice(2)} (${cells[1]}, target ${cells[4]})`);
  }
  const cut = doc.search(/\n## Targets( not met)?\n/);
  const head = cut >= 0 ? doc.slice(0, cut + 1) : `${doc}\n`;
  const tail =
    missed.length > 0 ? `## Targets not met\n\n${missed.map((m) => `- ${m}`).join('\n')}\n` : '## Targets\n\nEvery target above is met in this run.\n';
  // Earlier merges stay listed (their sections keep their figures); this one is added.
  const withNote = head.replace(/^(Measured .*\n)((?:Merged .*\n)*)/m, (_m, measured: string, merged: string) => `${measured}${merged}${note}\n`);
  return withNote + tail;
}
