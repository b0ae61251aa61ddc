/**
 * Config fuzzing: files that are not JSON, JSON that is not an object, valid configs with one or
 * several leaves broken (wrong type, out of range, unknown key, deep nesting, huge string, a
 * secret that is wrong), cut short, with a BOM or trailing bytes; plus random TILLQR_* overrides.
 * Each file goes through loadConfig and ConfigStore.open, and when it opens, through one
 * ConfigStore.setText of a random key and value (as the console's `set` does).
 *
 * Checked: nothing but a TillqrError CONFIG_INVALID or CONFIG_UNREADABLE is ever thrown, with a
 * message; a config that loads is frozen and passes the schema again; a refused file or a refused
 * change leaves the file byte for byte as it was; an accepted change is on disk (a fresh
 * ConfigStore reads the same values); no secret value appears in any error message.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { ConfigStore } from '../../src/config/config-store.js';
import { loadConfig } from '../../src/config/load.js';
import { configSchema } from '../../src/config/schema.js';
import { isTillqrError } from '../../src/core/errors.js';
import { createLogger, memorySink } from '../../src/core/logger.js';
import { backendKey, rawDeviceConfig } from './backend.js';
import { sample, type ProcessSample } from './machine.js';

export interface ConfigFuzzStats {
  readonly runs: number;
  readonly classes: Map<string, number>;
  readonly outcomes: Map<string, number>;
  readonly violations: string[];
  violationCount: number;
  before: ProcessSample | undefined;
  after: ProcessSample | undefined;
  wallSec: number;
}

const SECRET = 'S3cret-pa55word-do-not-print';

const LEAVES = [
  'deviceId',
  'hardware',
  'stateDir',
  'logLevel',
  'mqtt.url',
  'mqtt.protocolVersion',
  'mqtt.topicPrefix',
  'mqtt.username',
  'mqtt.password',
  'mqtt.keepaliveSec',
  'mqtt.sessionExpirySec',
  'mqtt.reconnectMinMs',
  'mqtt.maxPayloadBytes',
  'mqtt.groups',
  'trust.backendKeys',
  'trust.clockSkewSec',
  'merchant',
  'merchant.name',
  'merchant.currency',
  'merchant.accounts',
  'display.panel',
  'display.rotation',
  'display.language',
  'display.busyTimeoutMs',
  'signal.led',
  'signal.led.green',
  'signal.buzzer.kind',
  'signal.volume',
  'signal.quietHours',
  'signal.quietHours.start',
  'sale.resultHoldSec',
  'sale.maxChargeSec',
  'console.port',
  'console.passphraseHash',
  'console.maxLineBytes',
  'fleet',
  'nope',
  'mqtt.nope',
  'display.x.y',
  '__proto__',
  'constructor',
  'merchant.__proto__',
];

const ODD_VALUES: readonly unknown[] = [
  null,
  true,
  0,
  -1,
  1.5,
  1e308,
  -1e308,
  2 ** 53,
  '',
  ' ',
  'x'.repeat(5000),
  '\u0000',
  '\ud800',
  '💳',
  [],
  [null],
  {},
  { a: 1 },
  '/etc/passwd',
  '../../x',
  'mqtt://',
  '90',
  90,
  'ja',
  'en',
  'scrypt$1$1$1$x$y',
];

/** Keys the schema marks secret: only there may the secret value appear, and never in a message. */
const SECRET_LEAVES = new Set(['mqtt.password', 'console.passphraseHash', 'mqtt.keyFile']);
const SECRET_VALUES: readonly unknown[] = [SECRET, `${SECRET}${'!'.repeat(2000)}`, [SECRET], { v: SECRET }, `scrypt$${SECRET}`];

type Raw = Record<string, unknown>;

function setLeaf(raw: Raw, path: string, value: unknown): void {
  const segs = path.split('.');
  let cur: Raw = raw;
  segs.forEach((seg, i) => {
    if (i === segs.length - 1) {
      Object.defineProperty(cur, seg, { value, enumerable: true, writable: true, configurable: true });
      return;
    }
    const next = Object.prototype.hasOwnProperty.call(cur, seg) ? cur[seg] : undefined;
    if (next === null || typeof next !== 'object' || Array.isArray(next))
      Object.defineProperty(cur, seg, { value: {}, enumerable: true, writable: true, configurable: true });
    cur = cur[seg] as Raw;
  });
}

function deleteLeaf(raw: Raw, path: string): void {
  const segs = path.split('.');
  let cur: unknown = raw;
  for (const seg of segs.slice(0, -1)) cur = cur !== null && typeof cur === 'object' ? (cur as Raw)[seg] : undefined;
  if (cur !== null && typeof cur === 'object') delete (cur as Raw)[segs.at(-1) ?? ''];
}

interface ConfigCase {
  readonly cls: string;
  readonly file: Buffer;
  readonly env: Record<string, string>;
  readonly set: { key: string; text: string };
}

function cases(base: Raw): fc.Arbitrary<ConfigCase> {
  const env = fc
    .dictionary(
      fc.constantFrom(
        'TILLQR_LOG_LEVEL',
        'TILLQR_MQTT__URL',
        'TILLQR_MQTT__PASSWORD',
        'TILLQR_MQTT__KEEPALIVE_SEC',
        'TILLQR_DISPLAY__ROTATION',
        'TILLQR_NOPE',
        'TILLQR_',
        'TILLQR___',
        'TILLQR_MQTT',
        'TILLQR_SALE__RESULT_HOLD_SEC',
      ),
      fc.oneof(fc.constantFrom('debug', '90', '[1]', '{', '', 'mqtt://127.0.0.1:1883'), fc.string({ maxLength: 20 })),
      { maxKeys: 2 },
    )
    .chain((vars) =>
      fc
        .constantFrom(SECRET, `${SECRET}${'!'.repeat(2000)}`)
        .map((secret) => ('TILLQR_MQTT__PASSWORD' in vars ? { ...vars, TILLQR_MQTT__PASSWORD: secret } : vars)),
    );
  const withEnv = fc.oneof({ arbitrary: fc.constant({}), weight: 4 }, { arbitrary: env, weight: 1 });
  const set = fc
    .record({
      key: fc.constantFrom(...LEAVES, ...SECRET_LEAVES),
      text: fc.oneof(
        fc.constantFrom('90', 'debug', '"x"', '{}', '[]', 'null', '', '1e400', 'mqtt://h:1', '{"start":"22:00","end":"07:00"}'),
        fc.string({ maxLength: 40 }),
        fc.integer({ min: 10, max: 20_000 }).map((d) => `${'['.repeat(d)}${']'.repeat(d)}`),
      ),
      secret: fc.constantFrom(SECRET, `${SECRET}${'!'.repeat(2000)}`, `[${JSON.stringify(SECRET)}]`),
    })
    .map(({ key, text: t, secret }) => ({ key, text: SECRET_LEAVES.has(key) ? secret : t }));
  const json = (v: unknown): Buffer => Buffer.from(JSON.stringify(v, null, 2));
  const text = fc.oneof(
    { arbitrary: fc.uint8Array({ maxLength: 400 }).map((b) => ({ cls: 'random-bytes', file: Buffer.from(b) })), weight: 2 },
    { arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => ({ cls: 'json-not-config', file: Buffer.from(JSON.stringify(v) ?? 'null') })), weight: 2 },
    {
      arbitrary: fc.nat().map((k) => {
        const t = json(base);
        return { cls: 'cut-short', file: t.subarray(0, k % t.length) };
      }),
      weight: 2,
    },
    {
      arbitrary: fc
        .constantFrom('\ufeff', '', ' \n')
        .chain((pre) =>
          fc.constantFrom('', ' garbage', ',', '}').map((post) => ({ cls: 'bom-or-trailing', file: Buffer.from(`${pre}${JSON.stringify(base)}${post}`) })),
        ),
      weight: 1,
    },
    {
      arbitrary: fc
        .array(
          fc.record({
            path: fc.constantFrom(...LEAVES, ...SECRET_LEAVES),
            v: fc.oneof(fc.constantFrom(...ODD_VALUES), fc.jsonValue({ maxDepth: 3 })),
            sv: fc.constantFrom(...SECRET_VALUES),
            del: fc.boolean(),
          }),
          { minLength: 1, maxLength: 4 },
        )
        .map((edits) => {
          const raw = structuredClone(base);
          for (const e of edits) {
            if (e.del) deleteLeaf(raw, e.path);
            else setLeaf(raw, e.path, SECRET_LEAVES.has(e.path) ? e.sv : e.v);
          }
          return { cls: edits.length === 1 ? 'one-leaf-broken' : 'leaves-broken', file: json(raw) };
        }),
      weight: 10,
    },
    {
      arbitrary: fc.record({ path: fc.constantFrom(...LEAVES), depth: fc.integer({ min: 10, max: 20_000 }) }).map(({ path, depth }) => {
        const raw = structuredClone(base);
        const marker = '"@@DEEP@@"';
        setLeaf(raw, path, '@@DEEP@@');
        return { cls: 'deeply-nested', file: Buffer.from(JSON.stringify(raw).replace(marker, `${'['.repeat(depth)}${']'.repeat(depth)}`)) };
      }),
      weight: 2,
    },
    {
      arbitrary: fc.constantFrom(
        { cls: 'valid', file: json(base) },
        { cls: 'empty-object', file: Buffer.from('{}') },
        { cls: 'empty-file', file: Buffer.alloc(0) },
      ),
      weight: 2,
    },
  );
  return fc.record({ t: text, env: withEnv, set }).map(({ t, env: e, set: s }) => ({ cls: t.cls, file: t.file, env: e, set: s }));
}

function secretShown(message: string): boolean {
  return message.includes(SECRET);
}

export async function fuzzConfig(o: { runs: number; seed: number }): Promise<ConfigFuzzStats> {
  const started = Date.now();
  const s: ConfigFuzzStats = {
    runs: o.runs,
    classes: new Map(),
    outcomes: new Map(),
    violations: [],
    violationCount: 0,
    before: undefined,
    after: undefined,
    wallSec: 0,
  };
  const dir = await mkdtemp(join(tmpdir(), 'tillqr-fuzz-config-'));
  const sink = memorySink(200);
  const logger = createLogger('fuzz', { level: 'info', sink });
  const base: Raw = {
    ...rawDeviceConfig({ deviceId: 'till-config-fuzz', url: 'mqtt://127.0.0.1:1883', key: backendKey(), stateDir: join(dir, 'state') }),
    mqtt: { url: 'mqtt://127.0.0.1:1883', username: 'till', password: SECRET },
  };
  const bump = (m: Map<string, number>, k: string): void => void m.set(k, (m.get(k) ?? 0) + 1);
  let i = 0;
  const violation = (c: ConfigCase, what: string): void => {
    s.violationCount++;
    if (s.violations.length < 20) s.violations.push(`#${i} ${c.cls}${Object.keys(c.env).length > 0 ? ` env ${JSON.stringify(c.env)}` : ''}: ${what}`);
  };
  /** A thrown value must be a configuration TillqrError with a message and no secret in it. */
  const refusal = (c: ConfigCase, where: string, e: unknown): void => {
    if (!isTillqrError(e) || !['CONFIG_INVALID', 'CONFIG_UNREADABLE', 'CONFIG_UNKNOWN_KEY'].includes(e.code)) {
      violation(c, `${where} threw ${e instanceof Error ? `${e.name}: ${e.message.slice(0, 200)}` : String(e)}`);
      return;
    }
    if (e.message.length === 0) violation(c, `${where}: an error without a message`);
    if (secretShown(e.message) || secretShown(JSON.stringify(e.context ?? {})))
      violation(c, `${where}: the error shows a secret value: ${e.message.slice(0, 300)}`);
  };
  s.before = sample();
  try {
    await fc.assert(
      fc.asyncProperty(cases(base), async (c) => {
        bump(s.classes, c.cls);
        const path = join(dir, `config-${i}.json`);
        await writeFile(path, c.file);
        let loaded = false;
        try {
          const r = await loadConfig({ path, env: c.env });
          loaded = true;
          if (!Object.isFrozen(r.config) || !configSchema.safeParse(structuredClone(r.config)).ok)
            violation(c, 'loadConfig returned a config that is not frozen or not valid');
        } catch (e) {
          refusal(c, 'loadConfig', e);
        }
        let store: ConfigStore | undefined;
        try {
          store = await ConfigStore.open(path, c.env, logger);
        } catch (e) {
          refusal(c, 'ConfigStore.open', e);
        }
        if (!(await readFile(path)).equals(c.file)) violation(c, 'opening the file changed it');
        if (store === undefined) {
          bump(s.outcomes, loaded ? 'refused by the store only' : 'refused');
        } else {
          bump(s.outcomes, 'opened');
          const before = await readFile(path);
          try {
            const change = await store.setText(c.set.key, c.set.text, 'fuzz');
            bump(s.outcomes, change.changed.length > 0 ? 'set: changed' : 'set: unchanged');
            const again = await ConfigStore.open(path, c.env, logger);
            if (JSON.stringify(again.current) !== JSON.stringify(store.current)) violation(c, `set ${c.set.key}: the file does not hold what the store holds`);
          } catch (e) {
            bump(s.outcomes, 'set: refused');
            refusal(c, `setText(${c.set.key})`, e);
            if (!(await readFile(path)).equals(before)) violation(c, `a refused set ${c.set.key} changed the file`);
          }
        }
        await rm(path, { force: true });
        i++;
        return true;
      }),
      { numRuns: o.runs, seed: o.seed, endOnFailure: true },
    );
  } finally {
    s.after = sample();
    await rm(dir, { recursive: true, force: true });
  }
  for (const l of sink.lines)
    if (secretShown(l)) violation({ cls: 'log', file: Buffer.alloc(0), env: {}, set: { key: '', text: '' } }, `a log line shows a secret: ${l.slice(0, 200)}`);
  s.wallSec = (Date.now() - started) / 1000;
  return s;
}
