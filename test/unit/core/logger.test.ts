import { describe, expect, it } from 'vitest';
import { redactConfig } from '../../../src/config/redact.js';
import { configSchema } from '../../../src/config/schema.js';
import { TillqrError } from '../../../src/core/errors.js';
import { createLogger, isSecretKeyName, memorySink, parseLogLine, withoutPriority, type LogFields } from '../../../src/core/logger.js';
import type { Schema } from '../../../src/core/schema.js';

describe('logger', () => {
  it('writes one JSON line per record with namespace, level and fields', () => {
    const sink = memorySink();
    const log = createLogger('link', { sink, now: () => Date.UTC(2026, 10, 27), base: { deviceId: 'till-1' } });
    log.info('connected', { broker: 'mqtt://127.0.0.1:1883' });
    log.child('tls').warn('certificate expires soon', { days: 9 });
    expect(sink.lines.map((l) => parseLogLine(l))).toEqual([
      { t: '2026-11-27T00:00:00.000Z', level: 'info', ns: 'link', msg: 'connected', deviceId: 'till-1', broker: 'mqtt://127.0.0.1:1883' },
      { t: '2026-11-27T00:00:00.000Z', level: 'warn', ns: 'link.tls', msg: 'certificate expires soon', deviceId: 'till-1', days: 9 },
    ]);
  });

  it('never writes a secret-looking field and builds debug lines only when enabled', () => {
    const sink = memorySink();
    const log = createLogger('console', { sink, level: 'info' });
    let built = 0;
    log.debug(() => {
      built++;
      return 'expensive';
    });
    expect(built).toBe(0);
    log.info('provisioned', { password: 'hunter2', nested: { psk: 'wifi-secret', ssid: 'shop' }, jws: 'eyJ...' });
    const line = sink.lines[0] ?? '';
    expect(line).not.toContain('hunter2');
    expect(line).not.toContain('wifi-secret');
    expect(line).not.toContain('eyJ');
    expect(parseLogLine(line)?.nested).toEqual({ psk: '[redacted]', ssid: 'shop' });
  });
});

describe('logger: the record is its own', () => {
  it('keeps t, level, ns and msg its own: a field of that name is kept under field_<name>', () => {
    const sink = memorySink();
    const log = createLogger('link', { sink, now: () => Date.UTC(2026, 10, 27), base: { ns: 'base-ns' } });
    log.info('real message', { level: 'error', t: 'yesterday', msg: 'forged message', ns: 'other' });
    expect(parseLogLine(sink.lines[0] ?? '')).toEqual({
      t: '2026-11-27T00:00:00.000Z',
      level: 'info',
      ns: 'link',
      msg: 'real message',
      field_ns: 'base-ns',
      field_level: 'error',
      field_t: 'yesterday',
      field_msg: 'forged message',
      field_field_ns: 'other',
    });
  });

  it('starts every line with its syslog priority, so journald files it by level', () => {
    const sink = memorySink();
    const log = createLogger('x', { sink, level: 'debug' });
    log.error('e');
    log.warn('w');
    log.info('i');
    log.debug('d');
    expect(sink.lines.map((l) => l.slice(0, 4))).toEqual(['<3>{', '<4>{', '<6>{', '<7>{']);
    expect(sink.lines.map((l) => parseLogLine(l)?.level)).toEqual(['error', 'warn', 'info', 'debug']);
  });

  it('parseLogLine reads a line with or without its prefix and refuses what is no log line', () => {
    const sink = memorySink();
    createLogger('x', { sink, now: () => 0 }).warn('hello', { n: 1 });
    const line = sink.lines[0] ?? '';
    const want = { t: '1970-01-01T00:00:00.000Z', level: 'warn', ns: 'x', msg: 'hello', n: 1 };
    expect(parseLogLine(line)).toEqual(want);
    expect(parseLogLine(withoutPriority(line))).toEqual(want);
    expect(parseLogLine(`${line}\n`)).toEqual(want);
    for (const bad of ['', 'ready', '<6>', '<6>[1]', '<6>{"level":"loud","t":"","ns":"","msg":""}', '{"msg":"no level"}', '<6>{"level":"info"'])
      expect(parseLogLine(bad)).toBeUndefined();
  });
});

describe('logger: redaction', () => {
  const logged = (fields: LogFields, base?: LogFields): string => {
    const sink = memorySink();
    createLogger('x', { sink, ...(base !== undefined ? { base } : {}) }).info('m', fields);
    return sink.lines[0] ?? '';
  };

  it('redacts base fields like the rest', () => {
    const line = logged({}, { deviceId: 'till-1', password: 'base-Secret-1', nested: { token: 'base-Token-2' } });
    expect(line).not.toContain('base-Secret-1');
    expect(line).not.toContain('base-Token-2');
    expect(parseLogLine(line)).toMatchObject({ deviceId: 'till-1', password: '[redacted]', nested: { token: '[redacted]' } });
  });

  it('matches whole words of a key name only', () => {
    const secret = [
      'passphrase',
      'password',
      'privateKey',
      'secret',
      'token',
      'apiKey',
      'api_key',
      'X-Api-Key',
      'key',
      'KEY',
      'keyFile',
      'keyPem',
      'privateKeyPem',
      'passphraseHash',
      'clientSecret',
      'accessToken',
      'psk',
      'wifiPSK',
      'jws',
      'authorization',
      'signature',
      'qrPayload',
      'apikey',
      'payload',
      'chargeJws',
    ];
    const open = [
      'monkey',
      'publicKey',
      'public_key',
      'publicKeyPem',
      'keys',
      'backendKeys',
      'kid',
      'donkeyCount',
      'turkey',
      'tokenizer',
      'secretary',
      'passenger',
      'keyboard',
      'payloadLength',
      'maxPayloadBytes',
      'signatureValid',
    ];
    for (const k of secret) expect(isSecretKeyName(k), k).toBe(true);
    for (const k of open) expect(isSecretKeyName(k), k).toBe(false);
    const rec = parseLogLine(logged(Object.fromEntries([...secret, ...open].map((k) => [k, `value-of-${k}`]))))!;
    for (const k of secret) expect(rec[k], k).toBe('[redacted]');
    for (const k of open) expect(rec[k], k).toBe(`value-of-${k}`);
  });

  it('redacts every key the configuration schema marks secret, by its name', () => {
    const names: string[] = [];
    const walk = (s: Schema<unknown>, name: string): void => {
      if (s.meta.secret) names.push(name);
      for (const [k, c] of Object.entries(s.shape ?? {})) walk(c, k);
      if (s.item) walk(s.item, name);
    };
    walk(configSchema, '');
    expect(names).toEqual(expect.arrayContaining(['password', 'keyFile', 'passphraseHash']));
    for (const n of names) {
      const line = logged({ config: { [n]: `Secret-Of-${n}` } });
      expect(line, n).not.toContain(`Secret-Of-${n}`);
    }
  });

  it("is the rule a printed config uses for keys its schema does not know (a newer release's)", () => {
    const shown = JSON.stringify(
      redactConfig(configSchema, {
        deviceId: 'till-1',
        mqtt: { url: 'mqtt://x', futureToken: 'future-Token-5', future: { apiKey: 'future-Key-6', publicKey: 'pk' } },
      }),
    );
    expect(shown).not.toContain('future-Token-5');
    expect(shown).not.toContain('future-Key-6');
    expect(shown).toContain('"publicKey":"pk"');
    expect(shown).toContain('"deviceId":"till-1"');
  });

  it('keeps a key named __proto__ as a plain field instead of setting a prototype', () => {
    const line = logged({ nested: JSON.parse('{"__proto__":{"token":"proto-Token-3","x":1}}') as unknown });
    expect(line).not.toContain('proto-Token-3');
    expect(line).toContain('"__proto__":{"token":"[redacted]","x":1}');
  });
});

describe('logger: errors', () => {
  it('writes an error with its stack and its cause chain', () => {
    const root = new Error('disk on fire');
    const mid = new TillqrError('STORE_WRITE_FAILED', 'could not write state.json', { path: '/x' }, { cause: root });
    const top = new Error('sale not saved', { cause: mid });
    const sink = memorySink();
    createLogger('x', { sink }).error('failed', { error: top });
    const rec = parseLogLine(sink.lines[0] ?? '')!;
    const e = rec.error as {
      message: string;
      stack: string;
      cause: { name: string; code: string; message: string; stack: string; cause: { message: string; stack: string } };
    };
    expect(e.message).toBe('sale not saved');
    expect(e.stack).toContain('sale not saved');
    expect(e.stack).toMatch(/\n\s+at /);
    expect(e.cause).toMatchObject({ name: 'TillqrError', code: 'STORE_WRITE_FAILED', message: 'could not write state.json' });
    expect(e.cause.stack).toContain('could not write state.json');
    expect(e.cause.cause.message).toBe('disk on fire');
    expect(e.cause.cause.stack).toContain('disk on fire');
  });

  it('follows a cause chain to a bounded depth, even a cycle, and redacts a non-Error cause', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    const sink = memorySink();
    const log = createLogger('x', { sink });
    log.error('cycle', { error: a });
    expect(sink.lines[0]).toContain('[cause chain truncated]');
    log.error('plain cause', { error: new Error('outer', { cause: { token: 'cause-Token-4', why: 'because' } }) });
    expect(sink.lines[1]).not.toContain('cause-Token-4');
    expect(parseLogLine(sink.lines[1] ?? '')?.error).toMatchObject({ cause: { token: '[redacted]', why: 'because' } });
  });
});
