/**
 * A small argument parser on node:util's parseArgs, turning its exceptions into USAGE errors with
 * the command's own usage line.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { TillqrError } from '../core/errors.js';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface Parsed<O extends OptionSpec> {
  values: { [K in keyof O]?: O[K] extends { type: 'boolean' } ? boolean : O[K] extends { multiple: true } ? string[] : string };
  positionals: string[];
}

/** parseArgs types its values from the literal options; ours are generic, so they are narrowed here. */
function valuesOf<O extends OptionSpec>(values: unknown): Parsed<O>['values'] {
  return values as Parsed<O>['values'];
}

export function parse<O extends OptionSpec>(argv: string[], options: O, usage: string): Parsed<O> {
  try {
    const r = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: valuesOf<O>(r.values), positionals: r.positionals };
  } catch (e) {
    throw new TillqrError('USAGE', `${(e as Error).message}\nusage: ${usage}`);
  }
}

export function required(value: string | undefined, flag: string, usage: string): string {
  if (value === undefined || value === '') throw new TillqrError('USAGE', `${flag} is required\nusage: ${usage}`);
  return value;
}

/** A whole number from a flag, with a clear message. */
export function intFlag(value: string | undefined, flag: string, opts: { min?: number; max?: number } = {}): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?[0-9]+$/.test(value)) throw new TillqrError('USAGE', `${flag}: ${JSON.stringify(value)} is not a whole number`);
  const n = Number(value);
  if (!Number.isSafeInteger(n) || (opts.min !== undefined && n < opts.min) || (opts.max !== undefined && n > opts.max)) {
    throw new TillqrError(
      'USAGE',
      `${flag}: ${value} is out of range${opts.min !== undefined ? ` (min ${opts.min})` : ''}${opts.max !== undefined ? ` (max ${opts.max})` : ''}`,
    );
  }
  return n;
}
