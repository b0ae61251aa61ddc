/**
 * Just enough of an ELF header to prove a native addon was built for the target: the magic, the
 * class (32/64-bit), the data encoding (little-endian on every Pi) and e_machine.
 */
import { open } from 'node:fs/promises';

export interface ElfId {
  readonly bits: 32 | 64;
  readonly machine: number;
}

export function parseElfHeader(h: Buffer): ElfId | undefined {
  if (h.length < 20 || h[0] !== 0x7f || h.toString('latin1', 1, 4) !== 'ELF') return undefined;
  const cls = h[4];
  if (h[5] !== 1 || (cls !== 1 && cls !== 2)) return undefined; // little-endian, ELFCLASS32/64
  return { bits: cls === 1 ? 32 : 64, machine: h.readUInt16LE(18) };
}

export async function elfOf(path: string): Promise<ElfId | undefined> {
  const f = await open(path, 'r');
  try {
    const h = Buffer.alloc(20);
    await f.read(h, 0, 20, 0);
    return parseElfHeader(h);
  } finally {
    await f.close();
  }
}

export const ELF_MACHINE_NAMES: Readonly<Record<number, string>> = { 40: 'ARM (32-bit)', 62: 'x86-64', 183: 'AArch64' };
