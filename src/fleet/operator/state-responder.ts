/**
 * The fleet state responder (`tillqr fleet responder`, decision 0012): it keeps the last signed
 * documents published on the fleet topics — each device's `config/desired` and `update` job, each
 * group's `config/desired` — as they pass through its wildcard subscriptions (live, so on any
 * cluster node), and when a device says `fleet/hello` it publishes that device's documents again,
 * retained, on the device's own topics. A device that was away when they were pushed gets them
 * wherever it connects, without relying on a cluster's retained copies. An empty retained
 * message (a clear) forgets the document. With a state file, what it holds survives a restart
 * (written atomically after each change). It never verifies or signs anything: the device does.
 */
import { readJsonFile, writeJsonAtomic } from '../../store/atomic-file.js';
import { fleetHelloSchema, GROUP_NAME } from '../../link/contract-fleet.js';
import { parseJsonPayload } from '../../link/json-payload.js';

export interface ResponderOptions {
  readonly prefix: string;
  /** Publish retained, QoS 1. */
  readonly publish: (topic: string, payload: string) => void;
  readonly statePath?: string;
  /** Told each answered hello (the CLI prints it with --verbose). */
  readonly note?: (line: string) => void;
}

const DEVICE_ID = /^[A-Za-z0-9._-]{1,64}$/;

export class StateResponder {
  readonly #o: ResponderOptions;
  /** topic -> signed token (JWS), for the three kinds of documents. */
  readonly #docs = new Map<string, string>();
  #saving: Promise<void> = Promise.resolve();

  constructor(o: ResponderOptions) {
    this.#o = o;
  }

  get subscriptions(): string[] {
    const p = this.#o.prefix;
    return [`${p}/+/config/desired`, `${p}/groups/+/config/desired`, `${p}/+/update`, `${p}/+/fleet/hello`];
  }

  /** How many documents it holds. */
  get size(): number {
    return this.#docs.size;
  }

  async load(): Promise<void> {
    if (this.#o.statePath === undefined) return;
    const saved = await readJsonFile(this.#o.statePath).catch(() => undefined);
    if (saved === null || typeof saved !== 'object' || Array.isArray(saved)) return;
    for (const [t, v] of Object.entries(saved as Record<string, unknown>)) if (typeof v === 'string' && this.#kind(t) !== undefined) this.#docs.set(t, v);
  }

  /** Wait for the last state write (tests, shutdown). */
  flushed(): Promise<void> {
    return this.#saving;
  }

  handle(topic: string, payload: Buffer): void {
    const kind = this.#kind(topic);
    if (kind === undefined) return;
    if (kind === 'hello') {
      this.#answer(topic, payload);
      return;
    }
    const text = payload.toString('utf8').trim();
    if (text === '') this.#docs.delete(topic);
    else if (/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(text)) this.#docs.set(topic, text);
    else return;
    this.#save();
  }

  #kind(topic: string): 'device' | 'group' | 'update' | 'hello' | undefined {
    const head = `${this.#o.prefix}/`;
    if (!topic.startsWith(head)) return undefined;
    const parts = topic.slice(head.length).split('/');
    if (parts[0] === 'groups')
      return parts.length === 4 && GROUP_NAME.test(parts[1] ?? '') && parts[2] === 'config' && parts[3] === 'desired' ? 'group' : undefined;
    if (!DEVICE_ID.test(parts[0] ?? '')) return undefined;
    const rest = parts.slice(1).join('/');
    return rest === 'config/desired' ? 'device' : rest === 'update' ? 'update' : rest === 'fleet/hello' ? 'hello' : undefined;
  }

  #answer(topic: string, payload: Buffer): void {
    const hello = parseJsonPayload(fleetHelloSchema, payload);
    if (hello === undefined) return;
    const p = this.#o.prefix;
    const id = topic.slice(p.length + 1).split('/')[0] ?? '';
    const topics = [`${p}/${id}/config/desired`, ...hello.memberOf.map((g) => `${p}/groups/${g}/config/desired`), `${p}/${id}/update`];
    let sent = 0;
    for (const t of topics) {
      const doc = this.#docs.get(t);
      if (doc === undefined) continue;
      this.#o.publish(t, doc);
      sent++;
    }
    this.#o.note?.(`hello from ${id}: ${sent} document(s) published again`);
  }

  #save(): void {
    const path = this.#o.statePath;
    if (path === undefined) return;
    const snapshot = Object.fromEntries(this.#docs);
    this.#saving = this.#saving.then(() =>
      writeJsonAtomic(path, snapshot).catch((e: unknown) => this.#o.note?.(`could not save the state: ${(e as Error).message}`)),
    );
  }
}
