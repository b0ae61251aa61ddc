import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { run } from '../../../src/cli/run.js';
import { captureIo } from '../../../src/cli/io.js';
import { EXIT } from '../../../src/core/errors.js';
import { collectLines, exited, spawnTs } from '../../helpers/child.js';
import { tempDir } from '../../helpers/payment-kit.js';

const TILLQR = fileURLToPath(new URL('../../../src/cli/tillqr.ts', import.meta.url));

describe('tillqr run', () => {
  it('starts degraded on an invalid configuration (console only, no payments), one line per problem, no secret', async () => {
    const dir = await tempDir('tillqr-run-');
    const path = join(dir, 'config.json');
    await writeFile(
      path,
      JSON.stringify({
        hardware: 'sim',
        stateDir: join(dir, 'state'),
        console: { enabled: false },
        mqtt: { url: 'htp://x', password: 'hunter2'.repeat(200) },
        display: { rotation: 45 },
      }),
    );
    let stop: () => void = () => undefined;
    const interrupted = new Promise<void>((r) => (stop = r));
    const io = { ...captureIo({}), interrupted };
    const running = run(['--config', path], io);
    for (let i = 0; i < 500 && !io.err.join('').includes('started degraded'); i++) await new Promise((r) => setTimeout(r, 20));
    stop();
    expect(await running).toBe(EXIT.OK);
    const err = io.err.join('');
    expect(err).toContain('started degraded (console only, no payments)');
    expect(err).toContain('mqtt.url: "htp://x" is not an mqtt://, mqtts://, ws:// or wss:// URL');
    expect(err).toContain('display.rotation: 45 is not one of 0, 90, 180, 270');
    expect(err).toContain('mqtt.password: the value given (secret, not shown) is not a string of at most 1024 characters');
    expect(err).not.toContain('hunter2');
  });

  it('refuses a file that is not JSON (exit 78); an override that is no key starts degraded and names it', async () => {
    const dir = await tempDir('tillqr-run-');
    const path = join(dir, 'config.json');
    await writeFile(path, '{ "hardware": ');
    const io = captureIo({});
    expect(await run(['--config', path], io)).toBe(EXIT.CONFIG);
    expect(io.err.join('')).toContain('is not valid JSON');
    await writeFile(path, JSON.stringify({ hardware: 'sim', stateDir: join(dir, 'state'), console: { enabled: false } }));
    let stop: () => void = () => undefined;
    const io2 = { ...captureIo({ TILLQR_MQTT__ULR: 'mqtt://x' }), interrupted: new Promise<void>((r) => (stop = r)) };
    const running = run(['--config', path], io2);
    for (let i = 0; i < 500 && !io2.err.join('').includes('started degraded'); i++) await new Promise((r) => setTimeout(r, 20));
    stop();
    expect(await running).toBe(EXIT.OK);
    expect(io2.err.join('')).toContain('TILLQR_MQTT__ULR: names no configuration key');
  });

  it('refuses an explicitly given --config that does not exist, naming the path, as a real process (exit 78)', async () => {
    const dir = await tempDir('tillqr-run-');
    const path = join(dir, 'no-such-dir', 'config.json');
    // Were the missing file taken for an unprovisioned Pi, the daemon would try the SPI panel and keep its state here.
    const env: NodeJS.ProcessEnv = { ...process.env, TILLQR_STATE_DIR: join(dir, 'state') };
    delete env.TILLQR_CONFIG;
    const child = spawnTs(TILLQR, ['run', '--config', path], { env, cwd: dir });
    const out: string[] = [];
    const err: string[] = [];
    collectLines(child.stdout, out);
    collectLines(child.stderr, err);
    const { code } = await exited(child);
    expect(code).toBe(EXIT.CONFIG);
    expect(err.join('\n')).toContain(`${path}: no such file`);
    expect(err.join('\n')).toContain('--config');
    expect(out.join('\n')).not.toContain('spidev');
    expect(await readdir(dir)).not.toContain('state');
  });

  it('documents in --help that an explicit --config must exist', async () => {
    const io = captureIo({});
    expect(await run(['--help'], io)).toBe(EXIT.OK);
    expect(io.out.join('')).toMatch(/--config FILE.*must exist/s);
  });
});
