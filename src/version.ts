import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The running release's version, from tillqr's package.json in the nearest folder above the
 * running code: dist/src/ in a checkout, dist/src/cli/chunks/ in a bundled release.
 */
function readVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'tillqr' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // no package.json here, or not ours: keep walking
    }
    const up = dirname(dir);
    if (up === dir) return '0.0.0-unknown';
    dir = up;
  }
}

export const VERSION = readVersion();
