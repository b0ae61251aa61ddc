/**
 * Reconnect delays: exponential from `minMs`, capped at `maxMs`, with "equal jitter" (each delay
 * is uniformly between half and all of the exponential value), so a fleet that lost its broker at
 * the same moment does not come back in lockstep.
 */
export function backoffDelay(attempt: number, minMs: number, maxMs: number, random: () => number): number {
  const exp = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 30));
  const half = exp / 2;
  return Math.round(half + random() * half);
}
