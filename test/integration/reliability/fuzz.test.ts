/**
 * CI short form of the fuzzing in `npm run reliability` (bench/reliability): the same generators,
 * the same device paths and the same checks, with the counts of COUNTS.quick.
 */
import { describe, expect, it } from 'vitest';
import { COUNTS } from '../../../bench/reliability/counts.js';
import { fuzzConfig } from '../../../bench/reliability/fuzz-config.js';
import { fuzzConsole } from '../../../bench/reliability/fuzz-console.js';
import { fuzzMqttBroker, fuzzMqttMemory } from '../../../bench/reliability/fuzz-mqtt.js';
import { configFuzzSection, consoleFuzzSection, mqttFuzzSection } from '../../../bench/reliability/sections.js';
import type { Section } from '../../../bench/reliability/types.js';

const C = COUNTS.quick;
const SEED = 4711;

function expectAllPass(s: Section): void {
  expect(s.checks.length).toBeGreaterThan(0);
  expect(s.checks.filter((c) => !c.ok)).toEqual([]);
}

describe('reliability, short form: fuzzing', () => {
  it(
    `refuses ${C.mqttClosed + C.mqttPending + C.mqttBroker} hostile MQTT payloads, each with one well-formed rejection and no signal`,
    { timeout: 300_000 },
    async () => {
      const closed = await fuzzMqttMemory({ runs: C.mqttClosed, seed: SEED, state: 'closed' });
      const pending = await fuzzMqttMemory({ runs: C.mqttPending, seed: SEED + 1, state: 'pending' });
      const broker = await fuzzMqttBroker({ runs: C.mqttBroker, seed: SEED + 2 });
      expect(closed.runs + pending.runs + broker.runs).toBe(C.mqttClosed + C.mqttPending + C.mqttBroker);
      // Every inbound topic and the fault families are covered.
      expect([...closed.byTopic.keys()].sort()).toEqual(['cancel', 'charge', 'payment']);
      for (const family of ['random-bytes', 'truncated-jws', 'mutated-jws', 'oversized', 'nested-json-signed', 'wrong-type', 'content'])
        expect(closed.classes.get(family) ?? 0).toBeGreaterThan(0);
      expectAllPass(mqttFuzzSection([closed, pending, broker], SEED));
    },
  );

  it(`answers ${C.console} hostile console lines and Improv packets with well-formed replies only`, { timeout: 300_000 }, async () => {
    const s = await fuzzConsole({ runs: C.console, seed: SEED });
    expect(s.jsonReplies).toBeGreaterThan(C.console / 2);
    expect(s.improvReplies).toBeGreaterThan(0);
    expectAllPass(consoleFuzzSection(s, SEED));
  });

  it(`refuses ${C.config} broken config files with a clear error and never changes a file it refused`, { timeout: 120_000 }, async () => {
    const s = await fuzzConfig({ runs: C.config, seed: SEED });
    expect(s.outcomes.get('refused') ?? 0).toBeGreaterThan(0);
    expectAllPass(configFuzzSection(s, SEED));
  });
});
