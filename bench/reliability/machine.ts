/** The machine a run happened on, and the process's memory and handle counts at a moment. */
import { cpus, release, totalmem, platform, arch } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export function machine(): string {
  const c = cpus();
  return `${c[0]?.model.trim() ?? 'unknown CPU'}, ${c.length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, ${platform()} ${release()} ${arch()}, Node.js ${process.version}`;
}

export interface ProcessSample {
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  readonly handles: number;
  readonly requests: number;
  /** Live real timers (setTimeout/setInterval/setImmediate: `Timeout` and `Immediate` in process.getActiveResourcesInfo()). */
  readonly timers: number;
  /** Whether a full garbage collection ran just before (node --expose-gc). */
  readonly gc: boolean;
}

interface NodeInternals {
  _getActiveHandles?: () => unknown[];
  _getActiveRequests?: () => unknown[];
}

let gcFn: (() => void) | undefined | null = null;

/** A full garbage collection: global.gc under --expose-gc, else turned on at run time (V8 allows it). */
function collector(): (() => void) | undefined {
  if (gcFn !== null) return gcFn;
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed !== undefined) return (gcFn = exposed);
  try {
    setFlagsFromString('--expose-gc');
    gcFn = runInNewContext('gc') as () => void;
  } catch {
    gcFn = undefined;
  }
  return gcFn;
}

/** Memory and live handle counts now; collects garbage first. */
export function sample(): ProcessSample {
  const gc = collector();
  if (gc !== undefined) {
    gc();
    gc();
  }
  const m = process.memoryUsage();
  const p = process as unknown as NodeInternals;
  const timers = process.getActiveResourcesInfo().filter((r) => r === 'Timeout' || r === 'Immediate').length;
  return {
    rssBytes: m.rss,
    heapUsedBytes: m.heapUsed,
    handles: p._getActiveHandles?.().length ?? -1,
    requests: p._getActiveRequests?.().length ?? -1,
    timers,
    gc: gc !== undefined,
  };
}

export const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

export const signedMib = (bytes: number): string => `${bytes >= 0 ? '+' : '−'}${(Math.abs(bytes) / 2 ** 20).toFixed(2)} MiB`;
