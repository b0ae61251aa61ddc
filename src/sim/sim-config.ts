/**
 * The configuration the simulator writes before it starts the daemon: a provisioned device with a
 * sample Tokyo store (JPQR account), hardware "sim", the embedded or given broker, and the dev key
 * plus the keys given with `--trust` as its trusted backend keys (rewritten at every start). It is an ordinary config file, validated by the daemon's own
 * loader; the panel and rotation chosen on the page are kept in it across restarts.
 */
import { join } from 'node:path';
import { TillqrError } from '../core/errors.js';
import { validateConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { PANEL_IDS, type PanelId } from '../display/config.js';
import { encodeEmv, type MerchantConfig } from '../payment/emv-encode.js';
import { jpqrAccount } from '../payment/emv-jpqr.js';
import { readJsonFile, writeJsonAtomic } from '../store/atomic-file.js';
import type { SimKey } from './dev-keys.js';

export const SIM_CONFIG_FILE = 'config.json';
export const SIM_DEVICE_ID = 'sim-till-01';
export const ROTATIONS = [0, 90, 180, 270] as const;
export type Rotation = (typeof ROTATIONS)[number];

/** A sample café in Tokyo with a JPQR-style unified store id (a made-up one). */
export const SAMPLE_MERCHANT = {
  name: 'TILLQR DEMO CAFE',
  displayName: 'ティルQR喫茶 (sim)',
  city: 'TOKYO',
  postalCode: '1000005',
  country: 'JP',
  mcc: '5814',
  currency: 'JPY',
  accounts: [jpqrAccount({ level1: '9990000000001', level2: '0001', level3: '000001', level4: '000001' })],
  alternateLanguage: { language: 'JA', name: 'ティルQR喫茶', city: '東京' },
} as const satisfies MerchantConfig;

export interface SimDisplay {
  readonly panel: PanelId;
  readonly rotation: Rotation;
}

export interface SimConfigInput {
  readonly stateDir: string;
  readonly deviceId: string;
  readonly mqttUrl: string;
  /** 4 for the embedded aedes broker (MQTT 3.1.1 only), 5 for a real one. */
  readonly protocolVersion: 4 | 5;
  readonly display: SimDisplay;
  readonly devKey: SimKey;
  /** More backend keys to trust beside the dev key (`tillqr sim --trust KEY.pub.pem`). */
  readonly trustedKeys?: readonly TrustedBackendKey[];
  /** The daemon's end of the simulated serial console; without it the console is off. */
  readonly consolePort?: string;
}

export interface TrustedBackendKey {
  readonly kid: string;
  readonly publicKeyPem: string;
  /** Where it was read from (printed at start). */
  readonly path: string;
}

export const DEFAULT_DISPLAY: SimDisplay = { panel: 'waveshare-4in2-v2', rotation: 0 };

export function isRotation(n: unknown): n is Rotation {
  return (ROTATIONS as readonly unknown[]).includes(n);
}

export function isPanel(id: unknown): id is PanelId {
  return (PANEL_IDS as readonly unknown[]).includes(id);
}

/** The dev key, then each --trust key once (a key given twice would be a duplicate kid, which the daemon refuses). */
function trustedBackendKeys(i: SimConfigInput): { kid: string; publicKeyPem: string }[] {
  const out = [{ kid: i.devKey.kid, publicKeyPem: i.devKey.publicKeyPem }];
  for (const k of i.trustedKeys ?? []) if (!out.some((x) => x.kid === k.kid)) out.push({ kid: k.kid, publicKeyPem: k.publicKeyPem });
  return out;
}

/** The raw config object (what goes into the file). */
export function simConfigRaw(i: SimConfigInput): Record<string, unknown> {
  const merchant: MerchantConfig = { ...SAMPLE_MERCHANT, accounts: [...SAMPLE_MERCHANT.accounts] };
  return {
    deviceId: i.deviceId,
    hardware: 'sim',
    stateDir: join(i.stateDir, 'device'),
    logLevel: 'info',
    mqtt: { url: i.mqttUrl, protocolVersion: i.protocolVersion, keepaliveSec: 15, reconnectMinMs: 250, reconnectMaxMs: 5000 },
    trust: { backendKeys: trustedBackendKeys(i) },
    merchant: { ...merchant, staticQr: encodeEmv({ merchant, initiation: 'static' }) },
    display: { panel: i.display.panel, rotation: i.display.rotation },
    signal: { button: { pin: 16, activeLow: true } },
    console: i.consolePort !== undefined ? { enabled: true, port: i.consolePort } : { enabled: false },
    // Releases an update job installs stay in the state dir too (the default is /opt/tillqr).
    fleet: { releaseRoot: join(i.stateDir, 'releases') },
  };
}

/** Validate with the daemon's loader and write atomically; returns the file path and the config. */
export async function writeSimConfig(i: SimConfigInput): Promise<{ path: string; config: Config }> {
  const raw = simConfigRaw(i);
  const config = validateConfig(raw, 'the simulator config');
  const path = join(i.stateDir, SIM_CONFIG_FILE);
  await writeJsonAtomic(path, raw);
  return { path, config };
}

/** The panel and rotation saved by an earlier run, if the file has valid ones. */
export async function previousDisplay(stateDir: string): Promise<Partial<SimDisplay>> {
  let raw: unknown;
  try {
    raw = await readJsonFile(join(stateDir, SIM_CONFIG_FILE));
  } catch (e) {
    if (e instanceof TillqrError) return {};
    throw e;
  }
  const d = typeof raw === 'object' && raw !== null ? (raw as { display?: unknown }).display : undefined;
  if (typeof d !== 'object' || d === null) return {};
  const { panel, rotation } = d as { panel?: unknown; rotation?: unknown };
  return { ...(isPanel(panel) ? { panel } : {}), ...(isRotation(rotation) ? { rotation } : {}) };
}
