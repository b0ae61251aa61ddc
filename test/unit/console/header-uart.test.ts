import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { consoleConfigSchema } from '../../../src/console/config.js';
import { consolePortFor, headerUartFor } from '../../../src/console/header-uart.js';

/** A /proc/device-tree/model stand-in: the kernel's string ends in a NUL. */
async function modelFile(model: string): Promise<string> {
  const p = join(await mkdtemp(join(tmpdir(), 'tillqr-model-')), 'model');
  await writeFile(p, `${model}\0`, 'latin1');
  return p;
}

describe('the console port follows the board: the header UART', () => {
  it('the default port on a Pi 5 is /dev/ttyAMA0 (serial0 there is the debug connector)', async () => {
    const parsed = consoleConfigSchema.safeParse({});
    if (!parsed.ok) throw new Error('console defaults do not parse');
    const port = parsed.value.port;
    expect(port).toBe('/dev/serial0');
    for (const model of ['Raspberry Pi 5 Model B Rev 1.0', 'Raspberry Pi 500 Rev 1.0', 'Raspberry Pi Compute Module 5 Rev 1.0']) {
      expect(await consolePortFor(port, { modelPath: await modelFile(model) }), model).toBe('/dev/ttyAMA0');
    }
  });

  it('stays /dev/serial0 on a Zero 2 W, 3 and 4, and when the model cannot be read', async () => {
    for (const model of [
      'Raspberry Pi Zero 2 W Rev 1.0',
      'Raspberry Pi 3 Model B Plus Rev 1.3',
      'Raspberry Pi 4 Model B Rev 1.5',
      'Raspberry Pi Compute Module 4 Rev 1.1',
    ]) {
      expect(await consolePortFor('/dev/serial0', { modelPath: await modelFile(model) }), model).toBe('/dev/serial0');
    }
    expect(await consolePortFor('/dev/serial0', { modelPath: '/nonexistent/model' })).toBe('/dev/serial0');
    expect(headerUartFor(undefined)).toBe('/dev/serial0');
  });

  it('a port set by hand is kept on every board', async () => {
    const pi5 = await modelFile('Raspberry Pi 5 Model B Rev 1.0');
    expect(await consolePortFor('/dev/ttyGS0', { modelPath: pi5 })).toBe('/dev/ttyGS0');
    expect(await consolePortFor('/dev/serial/by-id/usb-FTDI-if00-port0', { modelPath: pi5 })).toBe('/dev/serial/by-id/usb-FTDI-if00-port0');
  });
});
