/** What every benchmark returns to the runner (bench/run.ts), which writes docs/benchmarks.md. */
export interface BenchRow {
  /** What was measured, e.g. "charge render, waveshare-2in9-v2, median". */
  readonly metric: string;
  readonly value: number;
  readonly unit: string;
  /** The baseline measured in the same run, when there is one. */
  readonly baseline?: { readonly name: string; readonly value: number };
  /** The target from the issue, e.g. "< 5 ms" or ">= 50x". */
  readonly target?: string;
  /** Whether the target holds (undefined when there is none). */
  readonly met?: boolean;
}

export interface BenchSection {
  readonly title: string;
  readonly rows: readonly BenchRow[];
  /** How it was measured, in a sentence or two. */
  readonly method: string;
  readonly notes?: readonly string[];
}

export interface BenchOptions {
  /** Short form for CI: fewer iterations, same code paths. */
  readonly quick: boolean;
}

export type Bench = (opts: BenchOptions) => Promise<BenchSection>;
