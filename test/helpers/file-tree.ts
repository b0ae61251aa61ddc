import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';

/** Every non-directory entry below `root` (files and links), as sorted paths relative to it. */
export async function filesUnder(root: string, dir = root): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(root, p)));
    else out.push(relative(root, p));
  }
  return out.sort();
}
