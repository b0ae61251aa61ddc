/** The CI form of the reliability run "Owner change and weak keys" (bench/reliability/owner-keys.ts): the same checks as the report. */
import { describe, expect, it } from 'vitest';
import { ownerKeysSection, runOwnerKeys } from '../../../bench/reliability/owner-keys.js';

describe('reliability: owner change and weak keys', () => {
  it('refuses every weak key on every entry path, naming it, and every forged signature', async () => {
    const r = await runOwnerKeys();
    expect(r.weak).toBe(48);
    expect(r.paths.size).toBe(4);
    const s = ownerKeysSection(r);
    expect(s.checks.filter((c) => !c.ok)).toEqual([]);
    expect(s.checks).toHaveLength(4);
  });
});
