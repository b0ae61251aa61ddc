/** What each reliability run returns to the runner (bench/reliability/run.ts) and to the CI tests. */

/** One property the run checked, with what was seen. */
export interface Check {
  readonly what: string;
  readonly ok: boolean;
  /** The figures behind the verdict, e.g. "0 of 100,000 payloads produced a success signal". */
  readonly detail: string;
}

export interface Figure {
  readonly metric: string;
  readonly value: string;
}

export interface Section {
  readonly title: string;
  /** How it was done, in a sentence or three. */
  readonly method: string;
  readonly figures: readonly Figure[];
  readonly checks: readonly Check[];
  readonly notes?: readonly string[];
}

export function check(what: string, ok: boolean, detail: string): Check {
  return { what, ok, detail };
}

export function n(x: number): string {
  return x.toLocaleString('en-US');
}

export function failed(s: Section): Check[] {
  return s.checks.filter((c) => !c.ok);
}
