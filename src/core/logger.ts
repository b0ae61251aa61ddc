/**
 * One logger: JSON lines (for journald), a namespace per module, debug messages built lazily.
 *
 * Line format: `<P>{"t":…,"level":…,"ns":…,"msg":…, …fields}` where `<P>` is the syslog priority
 * (`<3>` error, `<4>` warn, `<6>` info, `<7>` debug). journald reads and strips that prefix
 * (SyslogLevelPrefix=, on by default), so `journalctl -u tillqr -p err` works. Anything that reads a
 * line back uses `parseLogLine`, never `JSON.parse` on the raw line.
 *
 * Invariants:
 * - `t`, `level`, `ns` and `msg` are the logger's own: a field (or `base` field) with one of those
 *   names is kept under `field_<name>` (`field_level`, …), never overwriting the record's own.
 * - Fields, `base` fields and errors are redacted by one rule before anything is written: a key is
 *   secret when one of its words (camelCase, snake_case, kebab-case split) is a secret word
 *   (`isSecretKeyName`). Whole words only: `monkey`, `publicKey` and `keys` are not secret;
 *   `key`, `apiKey`, `privateKey`, `keyFile`, `passphraseHash`, `password`, `token` are;
 *   `payload`, `signature` and `jws` only as the last word (`qrPayload`, not `payloadLength`). The
 *   configuration's secret keys (schema `.secret()`: mqtt.password, mqtt.keyFile,
 *   console.passphraseHash) all match it (test/unit/core/logger.test.ts checks every one), and
 *   `redactConfig` applies it to keys the schema does not know.
 * - An Error is written as `{name, message, code?, stack, cause?}`, its cause chain followed to a
 *   bounded depth.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** syslog(3) priorities, written as the `<P>` line prefix journald understands. */
export const SYSLOG_PRIORITY: Readonly<Record<LogLevel, number>> = { error: 3, warn: 4, info: 6, debug: 7 };

export type LogFields = Record<string, unknown>;

/** One line as `parseLogLine` reads it back. */
export interface LogRecord {
  readonly t: string;
  readonly level: LogLevel;
  readonly ns: string;
  readonly msg: string;
  readonly [field: string]: unknown;
}

export interface Logger {
  readonly namespace: string;
  debug(msg: string | (() => string), fields?: LogFields | (() => LogFields)): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(namespace: string): Logger;
}

export interface LogSink {
  write(line: string): void;
}

export interface LoggerOptions {
  level?: LogLevel;
  sink?: LogSink;
  now?: () => number;
  /** Fixed fields on every line (e.g. deviceId); redacted like any field. */
  base?: LogFields;
}

export const REDACTED_VALUE = '[redacted]';
const RESERVED = new Set(['t', 'level', 'ns', 'msg']);
const MAX_DEPTH = 6;
const MAX_CAUSES = 5;
const MAX_STACK = 4000;

/** Words that make a key secret wherever they appear in its name (`keyFile`, `passphraseHash`, `clientSecret`). */
const SECRET_WORDS = new Set([
  'pass',
  'passwd',
  'password',
  'passphrase',
  'pwd',
  'secret',
  'token',
  'psk',
  'private',
  'credential',
  'credentials',
  'authorization',
  'cookie',
  'key',
  'apikey',
  'privatekey',
  'secretkey',
  'accesstoken',
  'jwt',
]);
/** Words that name content only as the last word: `qrPayload`, `signature` are secret; `payloadLength`, `maxPayloadBytes` are not. */
const CONTENT_WORDS = new Set(['payload', 'signature', 'jws']);

/** The words of a key name: `privateKeyPem` -> private, key, pem; `api_key` -> api, key; `PSK` -> psk. */
export function keyWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w !== '')
    .map((w) => w.toLowerCase());
}

/** Is a field with this name a secret? Whole words only; `key` is, unless it is a public key. */
export function isSecretKeyName(name: string): boolean {
  const words = keyWords(name);
  const last = words.at(-1);
  if (last !== undefined && CONTENT_WORDS.has(last)) return true;
  return words.some((w, i) => SECRET_WORDS.has(w) && !(w === 'key' && words[i - 1] === 'public'));
}

/** Assign without letting a key named `__proto__` reach the prototype. */
function put(out: Record<string, unknown>, k: string, v: unknown): void {
  Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
}

function redactError(e: Error, depth: number, causes: number): Record<string, unknown> {
  const out: Record<string, unknown> = { name: e.name, message: e.message };
  if ('code' in e && e.code !== undefined) out.code = redact(e.code, depth + 1);
  if (typeof e.stack === 'string') out.stack = e.stack.length > MAX_STACK ? `${e.stack.slice(0, MAX_STACK)}…` : e.stack;
  if (e.cause !== undefined) {
    if (causes >= MAX_CAUSES) out.cause = '[cause chain truncated]';
    else out.cause = e.cause instanceof Error ? redactError(e.cause, depth, causes + 1) : redact(e.cause, depth + 1);
  }
  return out;
}

/** Replace values of secret-named keys with "[redacted]", recursively; bounded depth. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH) return '[deep]';
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value instanceof Error) return redactError(value, depth, 0);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      put(out, k, isSecretKeyName(k) && v !== undefined && v !== null && v !== '' ? REDACTED_VALUE : redact(v, depth + 1));
    }
    return out;
  }
  return value;
}

/** Add redacted fields to a record, moving a field named like the record's own keys to `field_<name>`. */
function addFields(record: Record<string, unknown>, fields: LogFields | undefined): void {
  if (fields === undefined) return;
  const clean = redact(fields) as Record<string, unknown>;
  for (const [k, v] of Object.entries(clean)) {
    let name = k;
    if (RESERVED.has(name)) while (Object.prototype.hasOwnProperty.call(record, name)) name = `field_${name}`;
    put(record, name, v);
  }
}

const PREFIX = /^<([0-7])>/;

/** Read back one line a logger wrote (with or without its `<P>` prefix); undefined if it is not one. */
export function parseLogLine(line: string): LogRecord | undefined {
  let v: unknown;
  try {
    v = JSON.parse(line.trimEnd().replace(PREFIX, ''));
  } catch {
    return undefined;
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const r = v as Record<string, unknown>;
  const levelOk = typeof r.level === 'string' && Object.prototype.hasOwnProperty.call(LEVELS, r.level);
  if (!levelOk || typeof r.t !== 'string' || typeof r.ns !== 'string' || typeof r.msg !== 'string') return undefined;
  return r as LogRecord;
}

/** A line without its `<P>` prefix: the JSON text, for showing lines (console `log`). */
export function withoutPriority(line: string): string {
  return line.replace(PREFIX, '');
}

export function createLogger(namespace: string, opts: LoggerOptions = {}): Logger {
  const min = LEVELS[opts.level ?? 'info'];
  const sink: LogSink = opts.sink ?? { write: (l) => process.stdout.write(l) };
  const now = opts.now ?? Date.now;

  const emit = (level: LogLevel, msg: string, fields: LogFields | undefined): void => {
    const t = new Date(now()).toISOString();
    const record: Record<string, unknown> = { t, level, ns: namespace, msg };
    let line: string;
    try {
      addFields(record, opts.base);
      addFields(record, fields);
      line = JSON.stringify(record);
    } catch {
      line = JSON.stringify({ t, level, ns: namespace, msg, note: 'fields not serialisable' });
    }
    sink.write(`<${SYSLOG_PRIORITY[level]}>${line}\n`);
  };

  return {
    namespace,
    debug(msg, fields) {
      if (min > LEVELS.debug) return;
      emit('debug', typeof msg === 'function' ? msg() : msg, typeof fields === 'function' ? fields() : fields);
    },
    info(msg, fields) {
      if (min <= LEVELS.info) emit('info', msg, fields);
    },
    warn(msg, fields) {
      if (min <= LEVELS.warn) emit('warn', msg, fields);
    },
    error(msg, fields) {
      emit('error', msg, fields);
    },
    child(sub) {
      return createLogger(`${namespace}.${sub}`, opts);
    },
  };
}

/** A logger that keeps lines in memory: for tests and for the console's `log` command. */
export function memorySink(limit = 1000): LogSink & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    write(line) {
      lines.push(line.trimEnd());
      if (lines.length > limit) lines.splice(0, lines.length - limit);
    },
  };
}

export const silentLogger: Logger = createLogger('silent', { level: 'error', sink: { write: () => undefined } });
