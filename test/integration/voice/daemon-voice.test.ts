/**
 * The daemon as `tillqr run` builds it (hardware "sim", voice on), on a real Mosquitto: a paid
 * sale is said by the real espeak-ng (the WAV kept in <stateDir>/voice) on the simulated speaker,
 * and the retained status carries the day's takings. Then `voice.language` changes live, and a long
 * press of the button shows the takings on the status screen and reads them out.
 */
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memorySink } from '../../../src/core/logger.js';
import { startDaemon, type Daemon } from '../../../src/main.js';
import type { Played } from '../../../src/voice/announcer.js';
import { wavStats } from '../../../src/voice/wav.js';
import { Mosquitto } from '../../helpers/mosquitto.js';
import { chargeBody, makeKey, paymentBody, rawDeviceConfig, tempDir, TestBackend, until } from '../../helpers/payment-kit.js';
import { StatusWatcher } from '../../helpers/retained-status.js';

const DEVICE = 'till-voice-1';

describe('the daemon says the payment', () => {
  let broker: Mosquitto;
  let backend: TestBackend;
  let status: StatusWatcher;
  let daemon: Daemon;
  let stateDir: string;
  const key = makeKey();
  const played: Played[] = [];

  beforeAll(async () => {
    broker = await Mosquitto.start();
    backend = await TestBackend.connect(broker.url);
    await backend.watch(DEVICE);
    status = await StatusWatcher.connect(broker.url, DEVICE);
    const dir = await tempDir('tillqr-voice-daemon-');
    stateDir = join(dir, 'state');
    const configPath = join(dir, 'config.json');
    await writeFile(
      configPath,
      JSON.stringify({
        ...rawDeviceConfig({ deviceId: DEVICE, url: broker.url, keys: [key], stateDir }),
        console: { enabled: false },
        voice: { enabled: true, language: 'ja' },
        shop: { timeZone: 'Asia/Tokyo' },
        signal: { button: { pin: 26 } },
      }),
    );
    daemon = await startDaemon({ configPath, env: {}, logSink: memorySink(2000) });
    daemon.voice.announcer.onPlay((p) => played.push(p));
    await until(() => daemon.device?.saleState.link.kind === 'online', 10_000, 'the daemon did not connect');
  });
  afterAll(async () => {
    await daemon?.stop();
    await status?.close();
    await backend?.close();
    await broker?.close();
  });

  it('paid: the announcement in Japanese from the real engine, and the takings on the retained status', async () => {
    await backend.send(DEVICE, 'charge', backend.sign(DEVICE, key, chargeBody('V-1', 1280)));
    expect(await backend.nth(DEVICE, 1)).toMatchObject({ type: 'displayed', orderId: 'V-1' });
    await backend.send(DEVICE, 'payment', backend.sign(DEVICE, key, paymentBody('V-1', 1280, { wallet: 'LINE Pay' })));
    expect(await backend.nth(DEVICE, 2)).toMatchObject({ type: 'paid', orderId: 'V-1' });
    await until(() => played.length > 0, 15_000, 'the announcement to play');
    expect(played[0]?.phrase).toMatchObject({ kind: 'paid', shown: '千二百八十円、LINE Payで受け取りました' });
    expect(wavStats(played[0]!.wav).seconds).toBeGreaterThan(1.2);
    expect(await readdir(join(stateDir, 'voice'))).toContain(played[0]!.path!.split('/').pop());
    const s = await status.until((x) => (x.takings?.sales.length ?? 0) > 0, 'takings');
    expect(s.takings?.sales).toEqual([{ currency: 'JPY', count: 1, amount: 1280 }]);
    expect(s.faults).toBeUndefined();
  });

  it('voice.language applies live: the next payment is said in English', async () => {
    await daemon.configStore.merge({ voice: { enabled: true, language: 'en' } }, 'test');
    await backend.send(DEVICE, 'charge', backend.sign(DEVICE, key, chargeBody('V-2', 500)));
    expect(await backend.nth(DEVICE, 3)).toMatchObject({ type: 'displayed', orderId: 'V-2' });
    await backend.send(DEVICE, 'payment', backend.sign(DEVICE, key, paymentBody('V-2', 500)));
    await until(() => played.length > 1, 15_000, 'the second announcement');
    expect(played[1]?.phrase.shown).toBe('five hundred yen received');
  });

  it("a long press shows the day's takings on the status screen and reads them out", async () => {
    await until(() => daemon.device?.saleState.phase.name === 'idle', 15_000, 'the till to be idle');
    const before = played.length;
    daemon.sim!.gpio.pressFor(26, 1800);
    await until(() => daemon.display.screen?.name === 'status', 10_000, 'the status screen');
    const screen = daemon.display.screen;
    expect(screen?.name === 'status' ? screen.lines : []).toContain('today: 2 sales, 1780 JPY');
    await until(() => played.length > before, 15_000, 'the takings read out');
    expect(played.at(-1)?.phrase).toMatchObject({ kind: 'takings', shown: 'Today: two sales, one thousand seven hundred eighty yen' });
  });
});
