/**
 * Child process for the crash test: rewrites one JSON file atomically, forever, each version
 * numbered after the one it found, with content large enough that a torn write would show.
 * Prints "w N" just before it starts writing version N.
 */
import { readJsonFile, writeJsonAtomic } from '../../src/store/atomic-file.js';

const [path] = process.argv.slice(2);
if (path === undefined) throw new Error('usage: atomic-writer FILE');

const found = (await readJsonFile(path)) as { version: number } | undefined;
let n = found?.version ?? 0;
for (;;) {
  n++;
  const filler = String(n % 10).repeat(32 * 1024);
  process.stdout.write(`w ${n}\n`);
  await writeJsonAtomic(path, { version: n, filler, check: filler.length });
}
