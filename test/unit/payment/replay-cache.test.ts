import { describe, expect, it } from 'vitest';
import { REPLAY_RETENTION_SEC, ReplayCache, replaySnapshotSchema } from '../../../src/payment/replay-cache.js';

const T = Date.UTC(2026, 0, 1);
const H = 3600_000;

describe('replay cache', () => {
  it('remembers a jti for at least 25 hours, or until its token expired if later', () => {
    const c = new ReplayCache();
    c.add('a', T, T + 60_000);
    c.add('b', T, T + 30 * H);
    expect(c.lookup('a')).toEqual({ seen: true, acceptedDigest: undefined });
    c.prune(T + REPLAY_RETENTION_SEC * 1000 - 1);
    expect(c.lookup('a').seen).toBe(true);
    c.prune(T + REPLAY_RETENTION_SEC * 1000);
    expect(c.lookup('a').seen).toBe(false);
    expect(c.lookup('b').seen).toBe(true);
    c.prune(T + 30 * H);
    expect(c.size).toBe(0);
  });

  it('keeps the digest of an accepted message', () => {
    const c = new ReplayCache();
    c.add('a', T, T);
    c.markAccepted('a', 'd1');
    expect(c.lookup('a')).toEqual({ seen: true, acceptedDigest: 'd1' });
    c.markAccepted('unknown', 'd2');
    expect(c.lookup('unknown').seen).toBe(false);
  });

  it('stays within its bound, dropping the entries closest to harmless first and saying so', () => {
    const c = new ReplayCache({ maxEntries: 3 });
    expect(c.add('old', T, T + 1000)).toBe(0);
    expect(c.add('x', T + 1, T + 40 * H)).toBe(0);
    expect(c.add('y', T + 2, T + 41 * H)).toBe(0);
    // Entry "old" is past its keep-until at T+26h: pruned without counting as a live eviction.
    expect(c.add('z', T + 26 * H, T + 26 * H)).toBe(0);
    expect(c.lookup('old').seen).toBe(false);
    // Now all three are live: one has to go, the one that is remembered for the shortest time.
    expect(c.add('w', T + 26 * H, T + 26 * H)).toBe(1);
    expect(c.size).toBe(3);
    // x is kept until T+40h, y T+41h, z and w T+51h.
    expect(['x', 'y', 'z', 'w'].filter((j) => c.lookup(j).seen)).toEqual(['y', 'z', 'w']);
  });

  it('survives a snapshot round trip through JSON and drops what has expired meanwhile', () => {
    const c = new ReplayCache();
    c.add('a', T, T);
    c.add('b', T, T + 50 * H);
    c.markAccepted('b', 'dig');
    const json: unknown = JSON.parse(JSON.stringify(c.snapshot()));
    const parsed = replaySnapshotSchema.safeParse(json);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const r = ReplayCache.restore(parsed.value, T + 26 * H);
    expect(r.lookup('a').seen).toBe(false);
    expect(r.lookup('b')).toEqual({ seen: true, acceptedDigest: 'dig' });
  });
});
