/**
 * The production packages a release loads from node_modules at run time (the bundle's externals
 * and what they require), copied from the project's installed tree in the same shape, so Node's
 * resolution finds each one where it found it here. Build-time-only header packages (nan,
 * node-addon-api) stay behind; packages with addons lose their build folders, sources and
 * prebuilds (the target's .node files are compiled in addons.ts and put in place afterwards);
 * `galmuri` keeps only the BDF files the renderer reads, with its licence.
 */
import { cp, mkdir, readFile } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import { ADDONS, packageDir } from './addons.js';

/** Needed only to compile an addon. */
const BUILD_ONLY = new Set(['nan', 'node-addon-api', 'node-gyp']);

/** Files never needed at run time. */
const JUNK =
  /(^|[\\/])(README|CHANGELOG|HISTORY|History|AUTHORS|CONTRIBUTING)(\.[a-z]+)?$|\.(md|markdown|map|d\.ts|d\.mts|d\.cts|tsbuildinfo)$|(^|[\\/])(test|tests|__tests__|example|examples|integration-test|docs|\.github)$/;
const LICENCE = /(^|[\\/])(LICEN[CS]E|COPYING|ofl)(-[a-z]+)?(\.[a-z]+)?$/i;

export interface CopiedPackage {
  readonly name: string;
  readonly version: string;
  readonly license: string;
  /** Where it went, relative to the release root. */
  readonly path: string;
}

interface PkgJson {
  name: string;
  version: string;
  license?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

export async function copyRuntimePackages(o: {
  projectRoot: string;
  stage: string;
  roots: readonly string[];
  galmuriFiles: readonly string[];
}): Promise<CopiedPackage[]> {
  const done = new Map<string, CopiedPackage>();
  const addonPkgs = new Set(ADDONS.map((a) => a.pkg));
  const visit = async (name: string, from: string): Promise<void> => {
    if (BUILD_ONLY.has(name)) return;
    const dir = packageDir(name, from);
    const rel = relative(o.projectRoot, dir);
    if (done.has(rel)) return;
    if (!rel.startsWith(`node_modules${sep}`)) throw new Error(`${name} resolves outside node_modules (${dir})`);
    const pj = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as PkgJson;
    done.set(rel, { name: pj.name, version: pj.version, license: pj.license ?? 'UNKNOWN', path: rel });
    const dest = join(o.stage, rel);
    await mkdir(dest, { recursive: true });
    const isAddon = addonPkgs.has(name);
    await cp(dir, dest, {
      recursive: true,
      dereference: true,
      filter: (src) => {
        const r = relative(dir, src);
        if (r === '') return true;
        if (r === 'node_modules' || r.startsWith(`node_modules${sep}`)) return false; // nested packages are visited on their own
        if (LICENCE.test(r)) return true;
        if (name === 'galmuri') return r === 'package.json' || r === 'dist' || (r.startsWith(`dist${sep}`) && o.galmuriFiles.includes(basename(r)));
        if (isAddon && /^(build|prebuilds|src|deps)($|[\\/])/.test(r)) return false;
        return !JUNK.test(r);
      },
    });
    for (const dep of Object.keys({ ...pj.dependencies, ...pj.optionalDependencies })) {
      try {
        await visit(dep, dir);
      } catch (e) {
        if (pj.optionalDependencies?.[dep] !== undefined) continue;
        throw e;
      }
    }
  };
  for (const r of o.roots) await visit(r, o.projectRoot);
  return [...done.values()].sort((a, b) => a.path.localeCompare(b.path));
}
