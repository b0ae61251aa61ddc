/**
 * One logger: JSON lines (for journald), a namespace per module, debug messages built lazily.
 * Fields named like secrets are redacted before anything is written.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogFields = Record<string, unknown>;

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
  /** Fixed fields on every line (e.g. deviceId). */
  base?: LogFields;
}

const SECRET_KEY = /(pass(word|phrase)?|secret|token|private|psk|key(pem)?$|authorization|signature|jws|payload)$/i;

/** Replace values of secret-looking keys with "[redacted]", recursively; bounded depth. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6) return '[deep]';
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value instanceof Error) return { name: value.name, message: value.message, ...('code' in value ? { code: value.code } : {}) };
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = SECRET_KEY.test(k) && v !== undefined && v !== null && v !== '' ? '[redacted]' : redact(v, depth + 1);
    }
    return out;
  }
  return value;
}

export function createLogger(namespace: string, opts: LoggerOptions = {}): Logger {
  const min = LEVELS[opts.level ?? 'info'];
  const sink: LogSink = opts.sink ?? { write: (l) => process.stdout.write(l) };
  const now = opts.now ?? Date.now;
  const base = opts.base ?? {};

  const emit = (level: LogLevel, msg: string, fields: LogFields | undefined): void => {
    const record = { t: new Date(now()).toISOString(), level, ns: namespace, msg, ...base, ...(fields ? (redact(fields) as LogFields) : {}) };
    let line: string;
    try {
      line = JSON.stringify(record);
    } catch {
      line = JSON.stringify({ t: record.t, level, ns: namespace, msg, note: 'fields not serialisable' });
    }
    sink.write(line + '\n');
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
