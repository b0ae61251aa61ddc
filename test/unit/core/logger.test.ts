import { describe, expect, it } from 'vitest';
import { createLogger, memorySink } from '../../../src/core/logger.js';

describe('logger', () => {
  it('writes one JSON line per record with namespace, level and fields', () => {
    const sink = memorySink();
    const log = createLogger('link', { sink, now: () => Date.UTC(2026, 10, 27), base: { deviceId: 'till-1' } });
    log.info('connected', { broker: 'mqtt://127.0.0.1:1883' });
    log.child('tls').warn('certificate expires soon', { days: 9 });
    expect(sink.lines.map((l) => JSON.parse(l) as unknown)).toEqual([
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
    expect(JSON.parse(line).nested).toEqual({ psk: '[redacted]', ssid: 'shop' });
  });
});
