/**
 * Where the page's files are: src/sim/public under the package root, found by walking up from
 * this module (src/sim/ when run from source, dist/src/sim/ when built) to tillqr's package.json.
 * Serving them from the source tree means the build copies nothing and nothing generated is
 * committed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TillqrError } from '../core/errors.js';

export function packageRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name === 'tillqr') return dir;
      } catch {
        // not ours; keep walking
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new TillqrError('INTERNAL', `cannot find the tillqr package root above ${from}`);
    dir = up;
  }
}

export function publicDir(): string {
  const dir = join(packageRoot(), 'src', 'sim', 'public');
  if (!existsSync(join(dir, 'index.html'))) throw new TillqrError('INTERNAL', `the simulator page files are missing from ${dir}`);
  return dir;
}
