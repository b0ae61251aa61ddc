/**
 * Release versions: strict semantic versions (semver.org 2.0.0) without build metadata:
 * MAJOR.MINOR.PATCH with an optional pre-release part whose numeric identifiers have no leading
 * zeros, compared by the SemVer precedence rules. A version also names a directory
 * (releases/<version>), so two different strings must never compare equal: build metadata
 * (`+...`, ignored by precedence) is refused, leading zeros (`1.0.0-01` equals `1.0.0-1` by
 * precedence) are refused, and numeric identifiers compare as exact digit strings, not floats.
 */
const NUM = '(?:0|[1-9]\\d{0,8})';
const PRE_ID = '(?:0|[1-9]\\d*|\\d*[A-Za-z-][0-9A-Za-z-]*)';
const CORE = `${NUM}\\.${NUM}\\.${NUM}(?:-${PRE_ID}(?:\\.${PRE_ID})*)?`;

/** A release version: 5 to 64 characters, strict SemVer, no build metadata. */
export const VERSION_PATTERN = new RegExp(`^(?=.{5,64}$)(${NUM})\\.(${NUM})\\.(${NUM})(?:-(${PRE_ID}(?:\\.${PRE_ID})*))?$`);

export interface ParsedVersion {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  readonly pre: readonly string[];
}

export function parseVersion(v: string): ParsedVersion | undefined {
  const m = VERSION_PATTERN.exec(v);
  if (m === null) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), pre: m[4] === undefined ? [] : m[4].split('.') };
}

export function isVersion(v: string): boolean {
  return parseVersion(v) !== undefined;
}

function comparePre(a: readonly string[], b: readonly string[]): number {
  // A version without a pre-release part ranks above one with it.
  if (a.length === 0 || b.length === 0) return a.length === b.length ? 0 : a.length === 0 ? 1 : -1;
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const xn = /^\d+$/.test(x);
    const yn = /^\d+$/.test(y);
    if (xn && yn) {
      // No leading zeros, so the longer digit string is the larger number (exact beyond 2^53).
      if (x.length !== y.length) return x.length < y.length ? -1 : 1;
      if (x !== y) return x < y ? -1 : 1;
    } else if (xn !== yn) {
      return xn ? -1 : 1;
    } else if (x !== y) {
      return x < y ? -1 : 1;
    }
  }
  return 0;
}

/** -1, 0 or 1 by precedence; 0 only for the same string. Unparseable versions rank lowest. */
export function compareVersions(a: string, b: string): number {
  const x = parseVersion(a);
  const y = parseVersion(b);
  if (x === undefined || y === undefined) return x === y ? 0 : x === undefined ? -1 : 1;
  for (const k of ['major', 'minor', 'patch'] as const) {
    if (x[k] !== y[k]) return x[k] < y[k] ? -1 : 1;
  }
  return comparePre(x.pre, y.pre);
}

/** Does `from` (a job's allowed from-versions: exact versions, `1.2.x`, `1.x` or `*`) allow `current`? */
export function fromAllows(from: readonly string[], current: string): boolean {
  const cur = parseVersion(current);
  return from.some((f) => {
    if (f === '*') return true;
    if (f === current) return true;
    const m = /^(\d+)(?:\.(\d+))?\.x$/.exec(f);
    if (m === null || cur === undefined || cur.pre.length > 0) return false;
    return cur.major === Number(m[1]) && (m[2] === undefined || cur.minor === Number(m[2]));
  });
}

/** A job's from-version: `*`, `1.x`, `1.2.x` or an exact release version. */
export const FROM_PATTERN = new RegExp(`^(?:\\*|${NUM}(?:\\.${NUM})?\\.x|(?=.{5,64}$)${CORE})$`);
