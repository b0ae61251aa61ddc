import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeEmv } from '../../../src/payment/emv-decode.js';
import { forgerKey } from '../../../src/sim/dev-keys.js';
import { previousDisplay, SAMPLE_MERCHANT, writeSimConfig } from '../../../src/sim/sim-config.js';
import { crossBorderProfile } from '../../../src/sim/sim-backend.js';
import { encodeEmv } from '../../../src/payment/emv-encode.js';

describe('the simulator config', () => {
  it('is a valid, provisioned sim device trusting only the dev key, and keeps the display choice', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tillqr-simcfg-'));
    try {
      const devKey = { ...forgerKey(), kid: 'sim-dev-AAAAAAAAAAAAAAAA' };
      const { config } = await writeSimConfig({
        stateDir: dir,
        deviceId: 'sim-till-01',
        mqttUrl: 'mqtt://127.0.0.1:1883',
        protocolVersion: 4,
        display: { panel: 'lcd-480x320', rotation: 180 },
        devKey,
      });
      expect(config.hardware).toBe('sim');
      expect(config.stateDir).toBe(join(dir, 'device'));
      expect(config.mqtt.protocolVersion).toBe(4);
      expect(config.trust.backendKeys).toEqual([{ kid: devKey.kid, publicKeyPem: devKey.publicKeyPem }]);
      expect(config.signal.button?.pin).toBe(16);
      // The idle QR is the store's static JPQR code.
      const idle = decodeEmv(config.merchant!.staticQr!);
      expect(idle.warnings).toEqual([]);
      expect(idle.content.initiation).toBe('static');
      expect(idle.content.merchant.accounts[0]?.fields['00']).toBe('jp.or.paymentsjapan');
      expect(await previousDisplay(dir)).toEqual({ panel: 'lcd-480x320', rotation: 180 });
      await writeFile(join(dir, 'config.json'), '{"display":{"panel":"crt","rotation":45}}');
      expect(await previousDisplay(dir)).toEqual({});
      await writeFile(join(dir, 'config.json'), 'garbage');
      expect(await previousDisplay(dir)).toEqual({});
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('makes clean EMV codes for sales in other currencies (JPQR is yen only)', () => {
    for (const currency of ['USD', 'CNY', 'KRW', 'EUR']) {
      const qr = encodeEmv({ merchant: crossBorderProfile(SAMPLE_MERCHANT, currency), amount: 550, referenceLabel: 'SIM-X-1' });
      const d = decodeEmv(qr);
      expect(d.warnings, currency).toEqual([]);
      expect(d.content.amount).toBe(550);
    }
  });
});
