import { describe, expect, it } from 'vitest';
import { Faults } from '../../../src/core/faults.js';

describe('Faults', () => {
  it('lists the active faults in part order and tells listeners only when a code changes', () => {
    let now = 1000;
    const f = new Faults(() => now);
    let changes = 0;
    f.onChange(() => changes++);
    f.raise('display', 'PANEL_BUSY_TIMEOUT', 'BUSY still set');
    now = 2000;
    f.raise('storage', 'STORE_WRITE_FAILED', 'disk full');
    now = 3000;
    f.raise('storage', 'STORE_WRITE_FAILED', 'disk full again');
    expect(changes).toBe(2);
    expect(f.codes()).toEqual(['STORE_WRITE_FAILED', 'PANEL_BUSY_TIMEOUT']);
    expect(f.list()[0]).toEqual({ part: 'storage', code: 'STORE_WRITE_FAILED', message: 'disk full again', since: 2000 });
    f.raise('storage', 'STORE_CORRUPT', 'bad');
    expect(changes).toBe(3);
    expect(f.list()[0]?.since).toBe(3000);
    f.clear('storage');
    f.clear('storage');
    expect(changes).toBe(4);
    expect(f.codes()).toEqual(['PANEL_BUSY_TIMEOUT']);
  });

  it('reports one code once even when two parts fail with it', () => {
    const f = new Faults(() => 0);
    f.raise('storage', 'PANEL_IO', 'x');
    f.raise('display', 'PANEL_IO', 'y');
    expect(f.codes()).toEqual(['PANEL_IO']);
    expect(f.list()).toHaveLength(2);
  });

  it('stops telling a listener that unsubscribed', () => {
    const f = new Faults(() => 0);
    let heard = 0;
    const off = f.onChange(() => heard++);
    f.raise('display', 'PANEL_IO', 'x');
    off();
    f.clear('display');
    expect(heard).toBe(1);
  });
});
