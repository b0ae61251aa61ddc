/**
 * The command table and how a line (typed or JSON) becomes a command with its arguments.
 */
import { TillqrError } from '../core/errors.js';
import type { CommandSpec } from './command-types.js';
import { configCommands, isSecretKey } from './commands-config.js';
import { deviceCommands } from './commands-device.js';
import { completeWords, restAfter, tokenize } from './tokenize.js';

const help: CommandSpec = {
  name: 'help',
  usage: 'help',
  summary: 'this list',
  open: true,
  maxArgs: 1,
  run: () => {
    const width = Math.max(...COMMANDS.map((c) => c.usage.length));
    const lines = COMMANDS.map((c) => `  ${c.usage.padEnd(width)}  ${c.summary}`);
    return Promise.resolve({
      data: COMMANDS.map((c) => ({ command: c.name, usage: c.usage, summary: c.summary, open: c.open === true })),
      text: `commands:\n${lines.join('\n')}\nJSON mode: send {"id":"1","cmd":"status"} on a line; each request gets one JSON line back.`,
    });
  },
};

export const COMMANDS: readonly CommandSpec[] = [help, ...deviceCommands, ...configCommands];

const BY_NAME = new Map(COMMANDS.map((c) => [c.name, c]));

/** The command named by the first one or two words (two-word names win). */
export function findCommand(words: readonly string[]): { spec: CommandSpec; consumed: number } | undefined {
  const w0 = words[0]?.toLowerCase();
  const w1 = words[1]?.toLowerCase();
  if (w0 === undefined) return undefined;
  if (w1 !== undefined) {
    const two = BY_NAME.get(`${w0} ${w1}`);
    if (two !== undefined) return { spec: two, consumed: 2 };
  }
  const one = BY_NAME.get(w0);
  return one === undefined ? undefined : { spec: one, consumed: 1 };
}

export interface Invocation {
  readonly spec: CommandSpec;
  readonly args: readonly string[];
}

function unknown(words: readonly string[]): TillqrError {
  const name = words.slice(0, 2).join(' ');
  const prefix = words[0]?.toLowerCase() ?? '';
  const near = COMMANDS.filter((c) => c.name.startsWith(prefix)).map((c) => c.usage);
  return new TillqrError(
    'CONSOLE_BAD_COMMAND',
    `unknown command ${JSON.stringify(name)}${near.length > 0 ? `; did you mean: ${near.join(', ')}` : '; type help'}`,
  );
}

function checkCount(spec: CommandSpec, args: readonly string[]): Invocation {
  if (args.length < (spec.minArgs ?? 0) || args.length > (spec.maxArgs ?? Infinity)) {
    throw new TillqrError('CONSOLE_BAD_COMMAND', `usage: ${spec.usage}`);
  }
  return { spec, args };
}

/** A typed line: words split as a shell would (quotes), or the raw rest for commands that take it. */
export function parseTyped(line: string): Invocation | undefined {
  const t = tokenize(line, { partial: true });
  const words = t.words.map((w) => w.text);
  if (words.length === 0) return undefined;
  const found = findCommand(words);
  if (found === undefined) throw unknown(words);
  const { spec, consumed } = found;
  if (spec.restFrom !== undefined) {
    const fixed = words.slice(consumed, consumed + spec.restFrom);
    const rest = restAfter(line, t, consumed + spec.restFrom);
    return checkCount(spec, rest === '' ? fixed : [...fixed, rest]);
  }
  if (t.openQuote) throw new TillqrError('CONSOLE_BAD_COMMAND', 'unterminated quote');
  return checkCount(spec, words.slice(consumed));
}

/** A JSON request's words (command words, then the arguments as given). */
export function parseWords(words: readonly string[]): Invocation {
  const found = findCommand(words);
  if (found === undefined) throw unknown(words);
  return checkCount(found.spec, words.slice(found.consumed));
}

/**
 * Is the next character typed after `before` part of a secret, not to be echoed? The passphrase
 * of `login`, the bundle of `provision`, the PSK of `wifi`, the value of `set` for a secret key.
 */
export function secretAfter(before: string): boolean {
  const t = tokenize(before, { partial: true });
  const first = t.words[0]?.text.toLowerCase();
  if (first === undefined) return false;
  const done = completeWords(before);
  switch (first) {
    case 'login':
    case 'provision':
      return done >= 1;
    case 'wifi':
      return done >= 2;
    case 'set':
      return done >= 2 && isSecretKey(t.words[1]?.text ?? '');
    default:
      return false;
  }
}
