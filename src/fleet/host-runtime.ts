/**
 * Whether a release can run on this device: its architecture and its Node.js runtime, as its
 * package.json names them (`tillqr.arch`, `tillqr.runtime`, `tillqr.nodeAbi`, written by
 * tools/release). A release that carries its runtime needs only the right architecture; one that
 * uses the system's /usr/bin/node needs that binary with the same addon ABI. A tree without these
 * fields (a development checkout) is taken as it is. Checked twice: on the job before anything is
 * downloaded (the signed job carries the same fields) and on the unpacked release before `current`
 * switches. The decision is pure; `systemNodeAbi` asks the binary once.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const RELEASE_ARCHES = ['arm64', 'armhf', 'x64'] as const;
export type ReleaseArch = (typeof RELEASE_ARCHES)[number];

/** A bundled runtime's id (a folder name under <root>/runtimes/): `node-22.23.5-linux-arm64`. */
export const RUNTIME_ID = /^[a-z0-9][a-z0-9._+-]{0,63}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Where a bundled runtime is the artifact's own gzip member: its id, and that member's SHA-256 and length (the artifact's last `bytes` bytes). */
export interface RuntimePart {
  readonly id: string;
  readonly sha256: string;
  readonly bytes: number;
}

export type ReleaseRuntime =
  | { readonly kind: 'bundled'; readonly node: string; readonly nodeAbi: number; readonly part?: RuntimePart }
  | { readonly kind: 'system'; readonly nodeMajor: number; readonly nodeAbi: number };

export interface HostRuntime {
  /** This device's architecture as releases name it; undefined on one tillqr is not built for. */
  readonly arch: ReleaseArch | undefined;
  /** The addon ABI of /usr/bin/node (process.versions.modules), undefined when there is none. */
  readonly systemNodeAbi: number | undefined;
}

export const SYSTEM_NODE = '/usr/bin/node';

export function releaseArchOf(nodeArch: string): ReleaseArch | undefined {
  return nodeArch === 'arm64' ? 'arm64' : nodeArch === 'arm' ? 'armhf' : nodeArch === 'x64' ? 'x64' : undefined;
}

type RunNode = (path: string, args: string[]) => Promise<{ stdout: string }>;
const runNode: RunNode = (path, args) => promisify(execFile)(path, args, { timeout: 60_000 });

/**
 * The ABI of the system's Node.js; undefined when it is missing or does not run. When this process
 * is that binary (a release on the system runtime) it is this process's own; otherwise the binary
 * is asked once, in a child process (a second Node.js start: seconds of CPU on a Zero 2 W).
 */
export async function systemNodeAbi(path = SYSTEM_NODE, run: RunNode = runNode): Promise<number | undefined> {
  if (!existsSync(path)) return undefined;
  const self = await Promise.all([realpath(path), realpath(process.execPath)]).catch(() => undefined);
  if (self !== undefined && self[0] === self[1]) return Number(process.versions.modules);
  try {
    const { stdout } = await run(path, ['-p', 'process.versions.modules']);
    const abi = Number(stdout.trim());
    return Number.isSafeInteger(abi) ? abi : undefined;
  } catch {
    return undefined;
  }
}

export async function hostRuntime(): Promise<HostRuntime> {
  return { arch: releaseArchOf(process.arch), systemNodeAbi: await systemNodeAbi() };
}

const archName = (a: ReleaseArch): string => `linux-${a}`;

/** Why a release for `arch` with `runtime` cannot run here, in a sentence that says what was expected; undefined when it can. */
export function runtimeProblem(want: { arch?: string | undefined; runtime?: ReleaseRuntime | undefined }, host: HostRuntime): string | undefined {
  if (want.arch !== undefined && want.arch !== host.arch) {
    return `the release is for ${want.arch}; this device is ${host.arch ?? 'an architecture tillqr has no releases for'}${host.arch !== undefined ? ` (take tillqr-<version>-${archName(host.arch)}.tar.gz)` : ''}`;
  }
  const rt = want.runtime;
  if (rt?.kind === 'system' && host.systemNodeAbi !== rt.nodeAbi) {
    return host.systemNodeAbi === undefined
      ? `the release runs on the system's Node.js ${rt.nodeMajor} (${SYSTEM_NODE}, addon ABI ${rt.nodeAbi}), and this device has none`
      : `the release's addons are built for the system Node.js ${rt.nodeMajor} (ABI ${rt.nodeAbi}); ${SYSTEM_NODE} here has ABI ${host.systemNodeAbi}`;
  }
  return undefined;
}

/** The arch and runtime fields of a release's parsed package.json; undefined fields for a development tree. */
export function releaseRuntimeOf(pkg: unknown): { arch?: string; runtime?: ReleaseRuntime } {
  const t = typeof pkg === 'object' && pkg !== null ? (pkg as { tillqr?: unknown }).tillqr : undefined;
  if (typeof t !== 'object' || t === null) return {};
  const f = t as {
    arch?: unknown;
    runtime?: { kind?: unknown; node?: unknown; nodeMajor?: unknown; id?: unknown; sha256?: unknown; bytes?: unknown };
    nodeAbi?: unknown;
  };
  const arch = typeof f.arch === 'string' ? f.arch : undefined;
  const abi = typeof f.nodeAbi === 'number' ? f.nodeAbi : -1;
  let runtime: ReleaseRuntime | undefined;
  if (f.runtime?.kind === 'bundled') {
    const { id, sha256, bytes } = f.runtime;
    const part =
      typeof id === 'string' &&
      RUNTIME_ID.test(id) &&
      typeof sha256 === 'string' &&
      SHA256_HEX.test(sha256) &&
      Number.isSafeInteger(bytes) &&
      (bytes as number) > 0
        ? { id, sha256, bytes: bytes as number }
        : undefined;
    runtime = { kind: 'bundled', node: typeof f.runtime.node === 'string' ? f.runtime.node : 'unknown', nodeAbi: abi, ...(part !== undefined ? { part } : {}) };
  } else if (f.runtime?.kind === 'system')
    runtime = { kind: 'system', nodeMajor: typeof f.runtime.nodeMajor === 'number' ? f.runtime.nodeMajor : 0, nodeAbi: abi };
  return { ...(arch !== undefined ? { arch } : {}), ...(runtime !== undefined ? { runtime } : {}) };
}

/** A bundled runtime must be there to be started. */
export function bundledRuntimeMissing(releaseDir: string, runtime: ReleaseRuntime | undefined): string | undefined {
  return runtime?.kind === 'bundled' && !existsSync(join(releaseDir, 'runtime', 'bin', 'node'))
    ? 'the release says it carries its runtime, but runtime/bin/node is missing'
    : undefined;
}
