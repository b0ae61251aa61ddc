/** The machine a run happened on, and the process's memory and handle counts at a moment. */
import { cpus, release, totalmem, platform, arch } from 'node:os';

export function machine(): string {
  const c = cpus();
  return `${c[0]?.model.trim() ?? 'unknown CPU'}, ${c.length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, ${platform()} ${release()} ${arch()}, Node.js ${process.version}`;
}

export interface ProcessSample {
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  readonly handles: number;
  readonly requests: number;
  /** Whether a full garbage collection ran just before (node --expose-gc). */
  readonly gc: boolean;
}

interface NodeInternals {
  _getActiveHandles?: () => unknown[];
  _getActiveRequests?: () => unknown[];
}

/** Memory and live handle counts now; collects garbage first when the process allows it. */
export function sample(): ProcessSample {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc !== undefined) {
    gc();
    gc();
  }
  const m = process.memoryUsage();
  const p = process as unknown as NodeInternals;
  return { rssBytes: m.rss, heapUsedBytes: m.heapUsed, handles: p._getActiveHandles?.().length ?? -1, requests: p._getActiveRequests?.().length ?? -1, gc: gc !== undefined };
}

export const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

export const signedMib = (bytes: number): string => `${bytes >= 0 ? '+' : '−'}${(Math.abs(bytes) / 2 ** 20).toFixed(2)} MiB`;
