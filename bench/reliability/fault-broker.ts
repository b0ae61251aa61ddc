/**
 * Fault: the broker dies during sales, again and again. A Device on simulated parts talks to a
 * real Mosquitto through MqttLink (system clock); a backend runs sales one after another like a
 * real one would: it sends a signed charge, then the signed confirmation, and when the answer
 * does not come within 1.5 s it sends the same message again (same bytes, same jti). Meanwhile
 * the broker is stopped (SIGTERM and SIGKILL in turn) and started again `restarts` times.
 *
 * Counted per order: success signals played by the device, `paid` events the device published,
 * `paid` events the backend received. Exactly one success signal and one published `paid` per
 * paid order; the backend never sees two.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../src/core/clock.js';
import { createLogger, memorySink } from '../../src/core/logger.js';
import type { DeviceEvent } from '../../src/link/contract.js';
import { MqttLink } from '../../src/link/mqtt-link.js';
import type { InboundTopic } from '../../src/link/topics.js';
import { backendKey, chargeBody, deviceConfig, EventBackend, paymentBody, sign } from './backend.js';
import { Mosquitto } from '../../test/helpers/mosquitto.js';
import { SimDevice } from './sim-device.js';
import { check, n, type Check } from './types.js';

export interface BrokerFaultResult {
  readonly restarts: number;
  readonly kills: { SIGTERM: number; SIGKILL: number };
  readonly sales: number;
  readonly resends: number;
  /** Orders whose paid signal count is not exactly one. */
  readonly signalWrong: string[];
  /** Orders whose published paid count is not exactly one. */
  readonly publishedWrong: string[];
  /** Orders the backend saw paid more than once (QoS 1 delivers at least once). */
  readonly receivedTwice: string[];
  /** Of those, orders whose copies differ (a second decision, not a redelivered copy). */
  readonly receivedDifferent: string[];
  /** Paid orders whose `paid` event the backend never received (answered `replayed` to a resend instead). */
  readonly eventNotReceived: number;
  readonly duplicatesAcked: number;
  readonly wallSec: number;
}

const ANSWER_MS = 1_500;

export async function runBrokerFault(o: { restarts: number; minSales: number }): Promise<BrokerFaultResult> {
  const started = Date.now();
  const broker = await Mosquitto.start();
  const dir = await mkdtemp(join(tmpdir(), 'tillqr-fault-broker-'));
  const sink = memorySink(5000);
  const logger = createLogger('fault', { level: 'info', sink });
  const key = backendKey();
  const deviceId = 'till-broker-fault';
  const config = deviceConfig({ deviceId, url: broker.url, key, stateDir: dir, mqtt: { keepaliveSec: 5, reconnectMinMs: 100, reconnectMaxMs: 1000 } });
  const clock = systemClock();
  const link = new MqttLink({ mqtt: config.mqtt, deviceId, version: 'fault', clock, logger: logger.child('link') });
  const published = new Map<string, number>();
  const publish = link.publishEvent.bind(link);
  link.publishEvent = (e: DeviceEvent) => {
    if (e.type === 'paid' && e.orderId !== undefined) published.set(e.orderId, (published.get(e.orderId) ?? 0) + 1);
    publish(e);
  };
  const signals = new Map<string, number>();
  const sim = await SimDevice.open({
    config,
    clock,
    link,
    logger,
    display: true,
    onPlay: (event, device) => {
      const id = device.saleState.result?.orderId;
      if (event === 'paid' && id !== undefined) signals.set(id, (signals.get(id) ?? 0) + 1);
    },
  });
  const backend = await EventBackend.connect(broker.url, deviceId, { keep: 200, persistent: true });
  let resends = 0;
  let stopChaos = false;
  let restarts = 0;
  try {
    await sim.device.start();
    const until = Date.now() + 15_000;
    while (!link.connected) {
      if (Date.now() > until) throw new Error('the device did not connect');
      await new Promise((r) => setTimeout(r, 10));
    }

    /** Send until the answer comes (a `replayed` refusal means the device had it already). */
    const deliver = async (topic: InboundTopic, token: string, orderId: string, want: DeviceEvent['type']): Promise<DeviceEvent> => {
      for (let attempt = 0; attempt < 60; attempt++) {
        if (attempt > 0) resends++;
        const answer = backend.next((e) => e.orderId === orderId && (e.type === want || (e.type === 'rejected' && e.reason === 'replayed')), ANSWER_MS);
        backend.post(topic, token);
        try {
          return await answer;
        } catch {
          // no answer in time: send the same message again
        }
      }
      throw new Error(`no answer for ${topic} ${orderId} after 60 attempts`);
    };

    const chaos = (async () => {
      // A kill now and then while sales run, SIGTERM and SIGKILL in turn, down for 50-800 ms.
      let seed = 12345;
      const rnd = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
      while (restarts < o.restarts && !stopChaos) {
        await new Promise((r) => setTimeout(r, 300 + rnd() * 900));
        await broker.stop(restarts % 2 === 0 ? 'SIGKILL' : 'SIGTERM');
        await new Promise((r) => setTimeout(r, 50 + rnd() * 750));
        await broker.launch();
        restarts++;
      }
    })();

    let sales = 0;
    for (; sales < o.minSales || restarts < o.restarts; sales++) {
      const orderId = `B-${sales}`;
      const amount = 100 + sales;
      const now = Math.floor(Date.now() / 1000);
      await deliver('charge', sign(deviceId, key, chargeBody(orderId, amount, now + 600), now), orderId, 'displayed');
      await deliver('payment', sign(deviceId, key, paymentBody(orderId, amount, now), now), orderId, 'paid');
      if (sales > 100_000) break;
    }
    stopChaos = true;
    await chaos;
    // Let anything still in flight arrive.
    await new Promise((r) => setTimeout(r, 2_000));
    await sim.device.idle();

    const orders = Array.from({ length: sales }, (_, i) => `B-${i}`);
    const received = backend.paidByOrder;
    return {
      restarts,
      kills: { ...broker.stops },
      sales,
      resends,
      signalWrong: orders.filter((id) => signals.get(id) !== 1).map((id) => `${id}: ${signals.get(id) ?? 0} signals`),
      publishedWrong: orders.filter((id) => published.get(id) !== 1).map((id) => `${id}: ${published.get(id) ?? 0} published`),
      receivedTwice: orders.filter((id) => (received.get(id) ?? 0) > 1),
      receivedDifferent: orders.filter((id) => new Set(backend.paidAt.get(id) ?? []).size > 1),
      eventNotReceived: orders.filter((id) => (received.get(id) ?? 0) === 0).length,
      duplicatesAcked: sink.lines.filter((l) => l.includes('acknowledged a broker redelivery')).length,
      wallSec: (Date.now() - started) / 1000,
    };
  } finally {
    stopChaos = true;
    await backend.close().catch(() => undefined);
    await sim.stop().catch(() => undefined);
    await broker.close();
    await rm(dir, { recursive: true, force: true });
  }
}

export function brokerFaultChecks(r: BrokerFaultResult): Check[] {
  return [
    check(
      `the broker was stopped and started ${r.restarts} times during sales`,
      r.restarts > 0,
      `${r.restarts} restarts (${r.kills.SIGKILL} SIGKILL, ${r.kills.SIGTERM} SIGTERM) over ${n(r.sales)} sales, ${n(r.resends)} messages sent again by the backend`,
    ),
    check(
      'no confirmation lost, none doubled: one success signal per paid order',
      r.signalWrong.length === 0,
      r.signalWrong.length === 0 ? `${n(r.sales)} orders, each signalled exactly once` : r.signalWrong.slice(0, 5).join('; '),
    ),
    check(
      'one `paid` event published per paid order',
      r.publishedWrong.length === 0,
      r.publishedWrong.length === 0 ? `${n(r.sales)} orders, each published once` : r.publishedWrong.slice(0, 5).join('; '),
    ),
    check(
      'the backend never got two different `paid` decisions for an order',
      r.receivedDifferent.length === 0,
      `${r.receivedDifferent.length} orders with two different paid events; ${r.receivedTwice.length} orders whose one paid event arrived twice (an identical QoS 1 redelivery after a broker kill: events are at-least-once on the wire); ${r.eventNotReceived} paid events never reached the backend (lost in a killed broker; the resend was answered \`replayed\`); ${r.duplicatesAcked} broker redeliveries of inbound messages acknowledged silently`,
    ),
  ];
}
