/**
 * systemNodeAbi: this process's own ABI when it runs on that very binary (no second Node.js start),
 * the binary's answer otherwise, and undefined for a binary that is missing or does not run.
 */
import { chmod, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemNodeAbi } from '../../../src/fleet/host-runtime.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tillqr-node-abi-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('systemNodeAbi', () => {
  it('answers for the binary this process runs on without starting it (a link to it included)', async () => {
    const link = join(dir, 'node-link');
    await symlink(process.execPath, link);
    const never = (): Promise<{ stdout: string }> => Promise.reject(new Error('started a child process'));
    expect(await systemNodeAbi(process.execPath, never)).toBe(Number(process.versions.modules));
    expect(await systemNodeAbi(link, never)).toBe(Number(process.versions.modules));
  });

  it('asks another binary, and gives undefined for one that is missing or answers nonsense', async () => {
    const other = join(dir, 'other-node');
    await writeFile(other, '#!/bin/sh\necho 127\n');
    await chmod(other, 0o755);
    expect(await systemNodeAbi(other)).toBe(127);
    const broken = join(dir, 'broken-node');
    await writeFile(broken, '#!/bin/sh\necho not-a-number\n');
    await chmod(broken, 0o755);
    expect(await systemNodeAbi(broken)).toBeUndefined();
    expect(await systemNodeAbi(join(dir, 'absent'))).toBeUndefined();
  });
});
