/**
 * Voice latency: from a signed confirmation handed to the Device to the first audio sample handed
 * to ALSA, beside the LED signal (the first GPIO write of the success pattern) and the `paid`
 * event in the same run. The real path: Device -> Voice -> Announcer -> WavCache (espeak-ng) ->
 * aplay -> an ALSA `file` PCM writing into a FIFO this process reads, so "first sample" is the
 * moment ALSA passed aplay's first period on. Uncached: a new amount every sale (espeak-ng runs);
 * no voice: the LED's baseline, the same sale with nothing to say;
 * cached: an amount said before (memory); disk: said before, by a cache started afresh (a restart).
 */
import { spawnSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig } from '../src/config/load.js';
import { systemClock } from '../src/core/clock.js';
import { createLogger } from '../src/core/logger.js';
import { Device } from '../src/daemon/device.js';
import { signMessage } from '../src/link/backend-client.js';
import type { DeviceEvent } from '../src/link/contract.js';
import { generateEd25519KeyPair, parseEd25519PrivateKey } from '../src/payment/keys.js';
import { SimGpio } from '../src/signal/drivers/sim-gpio.js';
import { SuccessProbe, waiter } from './success-probe.js';
import { openSignals } from '../src/signal/open-signals.js';
import { Announcer } from '../src/voice/announcer.js';
import { AplaySpeaker } from '../src/voice/drivers/aplay.js';
import { EspeakNgEngine } from '../src/voice/drivers/espeak-ng.js';
import { Voice } from '../src/voice/voice.js';
import { WavCache } from '../src/voice/wav-cache.js';
import { MemoryLink } from '../test/helpers/memory-link.js';
import type { Bench, BenchRow } from './types.js';

function percentile(sorted: readonly number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? NaN;
}

const round = (x: number): number => Math.round(x * 10) / 10;

class TimedLink extends MemoryLink {
  onEvent: ((e: DeviceEvent) => void) | undefined;
  override publishEvent(event: DeviceEvent): void {
    super.publishEvent(event);
    this.onEvent?.(event);
  }
}

type Mode = 'uncached' | 'cached' | 'disk';

export interface VoiceFigures {
  readonly led: number[];
  /** The LED with no voice at all (the Device without an announce port's work), same run. */
  readonly ledSilent: number[];
  readonly paid: number[];
  readonly audio: Record<Mode, number[]>;
}

export async function measureVoice(opts: { sales: number }): Promise<VoiceFigures> {
  const dir = await mkdtemp(join(tmpdir(), 'tillqr-bench-voice-'));
  const fifo = join(dir, 'alsa.fifo');
  if (spawnSync('mkfifo', [fifo]).status !== 0) throw new Error('mkfifo failed');
  await writeFile(join(dir, '.asoundrc'), `pcm.bench {\n  type file\n  slave.pcm null\n  file "${fifo}"\n  format raw\n}\n`);
  const pair = generateEd25519KeyPair();
  const key = parseEd25519PrivateKey(pair.privateKeyPem);
  const deviceId = 'till-bench-voice';
  const config = validateConfig({
    deviceId,
    hardware: 'sim',
    stateDir: join(dir, 'state'),
    mqtt: { url: 'mqtt://127.0.0.1:1' },
    trust: { backendKeys: [{ kid: pair.kid, publicKeyPem: pair.publicKeyPem }] },
    merchant: { name: 'BENCH', city: 'TOKYO', country: 'JP', mcc: '5814', currency: 'JPY' },
    sale: { maxChargeSec: 3600, resultHoldSec: 1 },
    voice: { enabled: true, language: 'ja', device: 'bench', volume: 80 },
  });
  const clock = systemClock();
  const logger = createLogger('bench', { level: 'error', sink: { write: () => undefined } });
  const gpio = new SimGpio({ clock, historyLimit: 100 });
  const signals = await openSignals({ config: config.signal, gpio, clock, logger });
  // As in bench/latency.ts: the charge's "waiting" chirp ends (green written off) before the payment.
  const probe = new SuccessProbe(signals, gpio, config.signal.led.green);
  const indicator = probe.indicator;
  const engine = new EspeakNgEngine();
  const speaker = new AplaySpeaker({ env: { ...process.env, HOME: dir } });
  let cache = new WavCache({ stateDir: config.stateDir, engine, logger });
  let announcer: Announcer | undefined;
  const link = new TimedLink();
  let paid = waiter<number>();
  link.onEvent = (e) => {
    if (e.type === 'paid') paid.resolve(performance.now());
  };
  const device = new Device({
    config,
    clock,
    logger,
    link,
    screen: { show: () => undefined },
    indicator,
    storeDir: config.stateDir,
    version: 'bench',
    announce: (a) => announcer && new Voice({ announcer, language: () => 'ja' }).announce(a),
  });
  await device.start();
  link.online();
  const send = async (topic: 'charge' | 'payment', body: Parameters<typeof signMessage>[0]): Promise<void> => {
    const now = Math.floor(Date.now() / 1000);
    await link.deliver(topic, signMessage(body, { deviceId, key, kid: pair.kid, now }));
  };
  const figures: VoiceFigures = { led: [], ledSilent: [], paid: [], audio: { uncached: [], cached: [], disk: [] } };
  let n = 0;
  // Nothing else holds the event loop while a FIFO open is pending in the thread pool.
  const alive = setInterval(() => undefined, 1000);
  const sale = async (amount: number, mode: Mode | 'silent' | undefined): Promise<void> => {
    const orderId = `V-${n++}`;
    const chirpOver = probe.expectChirpEnd();
    await send('charge', { typ: 'charge', orderId, amount, currency: 'JPY', qr: 'QR', expiresAt: Math.floor(Date.now() / 1000) + 600 });
    await device.idle();
    await chirpOver;
    if (mode === 'silent') {
      announcer = undefined;
      const led = probe.expectSuccess();
      const t0 = performance.now();
      await send('payment', {
        typ: 'payment',
        orderId,
        amount,
        currency: 'JPY',
        status: 'succeeded',
        providerTxnId: `t-${orderId}`,
        paidAt: Math.floor(Date.now() / 1000),
      });
      figures.ledSilent.push((await led) - t0);
      return;
    }
    if (mode === 'disk') cache = new WavCache({ stateDir: config.stateDir, engine, logger });
    announcer = new Announcer({ sounds: cache, speaker, logger, settings: () => ({ enabled: true, quiet: false, device: 'bench', volume: 80 }) });
    // The reader must be open before ALSA opens the FIFO for writing.
    const audio = waiter<number>();
    const stream = createReadStream(fifo);
    stream.once('data', () => audio.resolve(performance.now()));
    const ended = new Promise<void>((r) => stream.once('close', () => r()));
    const led = probe.expectSuccess();
    paid = waiter();
    const t0 = performance.now();
    await send('payment', {
      typ: 'payment',
      orderId,
      amount,
      currency: 'JPY',
      status: 'succeeded',
      providerTxnId: `t-${orderId}`,
      paidAt: Math.floor(Date.now() / 1000),
    });
    const [tLed, tPaid, tAudio] = await Promise.all([led, paid.promise, audio.promise]);
    // Stop the phrase once its first sample is out; the next sale starts from silence.
    await announcer.stop();
    stream.destroy();
    await ended;
    if (mode !== undefined) {
      figures.led.push(tLed - t0);
      figures.paid.push(tPaid - t0);
      figures.audio[mode].push(tAudio - t0);
    }
  };
  try {
    await sale(999, undefined); // warm-up: the engine's version, the first spawn
    for (let i = 0; i < opts.sales; i++) {
      await sale(1000 + i, 'uncached');
      await sale(1000 + i, 'cached');
      await sale(1000 + i, 'disk');
      await sale(1000 + i, 'silent');
    }
  } finally {
    clearInterval(alive);
    await device.stop();
    await signals.close();
    await rm(dir, { recursive: true, force: true });
  }
  return figures;
}

export const voiceBench: Bench = async ({ quick }) => {
  const sales = quick ? 5 : 30;
  const f = await measureVoice({ sales });
  const sorted = (xs: number[]): number[] => [...xs].sort((a, b) => a - b);
  const led = sorted(f.led);
  const silent = sorted(f.ledSilent);
  const rows: BenchRow[] = [
    {
      metric: 'LED signal (confirmation handed in -> first GPIO write) with the voice, p50',
      value: round(percentile(led, 50)),
      unit: 'ms',
      baseline: { name: 'no voice', value: round(percentile(silent, 50)) },
    },
    {
      metric: 'LED signal with the voice, p99',
      value: round(percentile(led, 99)),
      unit: 'ms',
      baseline: { name: 'no voice', value: round(percentile(silent, 99)) },
    },
    { metric: '`paid` event published, p50', value: round(percentile(sorted(f.paid), 50)), unit: 'ms' },
    { metric: '`paid` event published, p99', value: round(percentile(sorted(f.paid), 99)), unit: 'ms' },
  ];
  for (const mode of ['cached', 'disk', 'uncached'] as const) {
    const a = sorted(f.audio[mode]);
    for (const p of [50, 99] as const) {
      const value = round(percentile(a, p));
      const above = round(value - percentile(led, p));
      const target = mode === 'uncached' ? undefined : '<= 150 ms above the LED';
      rows.push({
        metric: `first audio sample to ALSA, ${mode === 'disk' ? 'cached on disk (after a restart)' : mode}, p${p}`,
        value,
        unit: 'ms',
        baseline: { name: `LED p${p}`, value: round(percentile(led, p)) },
        ...(target !== undefined ? { target, met: above <= 150 } : {}),
      });
    }
  }
  return {
    title: 'Voice: confirmation to first audio sample',
    rows,
    method: `${sales} sales of each kind, interleaved, on this machine: a Device on an in-memory link (no broker), the real PatternIndicator on simulated GPIO, espeak-ng ${(await new EspeakNgEngine().id()).split(' ')[1] ?? ''} and aplay writing through an ALSA \`file\` PCM into a FIFO read here. Times from handing the signed confirmation to the Device. The Japanese phrase (千…円、受け取りました); each phrase is stopped after its first sample. The LED's baseline is the same Device with no voice at all, interleaved.`,
    notes: [
      'Uncached includes one espeak-ng run (the phrase is synthesized whole before playing); the cache makes the repeated amounts (and every amount after a restart) play without it.',
    ],
  };
};
