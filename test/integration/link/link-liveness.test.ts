import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exited, helperPath, spawnTs, waitForLine } from '../../helpers/child.js';
import { Mosquitto } from '../../helpers/mosquitto.js';

describe('a link waiting to reconnect', () => {
  let broker: Mosquitto;
  beforeAll(async () => {
    broker = await Mosquitto.start();
  });
  afterAll(async () => {
    await broker?.close();
  });

  it('keeps the process alive until the broker is back, and lets it exit once closed', async () => {
    await broker.stop();
    const child = spawnTs(helperPath('link-entry.ts'), [broker.url]);
    await waitForLine(child, /^started$/);
    // Several failed attempts happen meanwhile (100 ms to 1 s apart); a process held open by
    // nothing else would have exited after the first.
    await new Promise((r) => setTimeout(r, 2000));
    expect(child.exitCode).toBeNull();
    await broker.restart();
    await waitForLine(child, /^online$/, 20_000);
    expect(await exited(child)).toEqual({ code: 0, signal: null });
  });
});
