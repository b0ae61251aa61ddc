/**
 * A network you can script, behind the same interface as NmcliNetwork: for the simulator, tests
 * and machines without NetworkManager. Networks are put in range with `addNetwork`; joining
 * succeeds only with the right PSK; `failNext` makes the next join fail with a given reason.
 * It records each operation (never a PSK: only whether the right one came).
 */
import { TillqrError } from '../core/errors.js';
import { checkWifiArgs, type Network, type NetworkStatus, type WifiNetwork } from './network.js';

interface SimAp {
  ssid: string;
  signal: number;
  psk: string | undefined;
}

export interface SimNetworkCall {
  readonly op: 'status' | 'connect' | 'scan';
  readonly ssid?: string;
  readonly pskGiven?: boolean;
  readonly pskMatched?: boolean;
}

export class SimNetwork implements Network {
  readonly #aps = new Map<string, SimAp>();
  readonly calls: SimNetworkCall[] = [];
  #current: string | undefined;
  #failNext: string | undefined;
  /** Extra wired connection, as a Pi on Ethernet. */
  ethernet = false;
  /** Resolve joins only when released (to watch the "provisioning" state). */
  #hold: Promise<void> | undefined;

  addNetwork(ap: { ssid: string; signal?: number; psk?: string }): this {
    this.#aps.set(ap.ssid, { ssid: ap.ssid, signal: ap.signal ?? 70, psk: ap.psk });
    return this;
  }

  removeNetwork(ssid: string): this {
    this.#aps.delete(ssid);
    if (this.#current === ssid) this.#current = undefined;
    return this;
  }

  /** The next join fails with this NetworkManager-like reason. */
  failNext(reason: string): this {
    this.#failNext = reason;
    return this;
  }

  /** Joins wait for `release` (a promise the test resolves). */
  holdJoins(release: Promise<void> | undefined): this {
    this.#hold = release;
    return this;
  }

  get connectedSsid(): string | undefined {
    return this.#current;
  }

  status(): Promise<NetworkStatus> {
    this.calls.push({ op: 'status' });
    return Promise.resolve(this.#status());
  }

  #status(): NetworkStatus {
    const devices = [
      {
        name: 'wlan0',
        type: 'wifi',
        state: this.#current === undefined ? 'disconnected' : 'connected',
        ...(this.#current === undefined ? {} : { connection: this.#current }),
      },
      ...(this.ethernet ? [{ name: 'eth0', type: 'ethernet', state: 'connected', connection: 'Wired connection 1' }] : []),
    ];
    const addresses = [...(this.#current === undefined ? [] : ['192.168.50.23/24']), ...(this.ethernet ? ['10.0.0.23/24'] : [])];
    const connectivity = addresses.length > 0 ? 'full' : 'none';
    return this.#current === undefined ? { connectivity, devices, addresses } : { connectivity, devices, addresses, ssid: this.#current };
  }

  async connectWifi(ssid: string, psk: string | undefined): Promise<NetworkStatus> {
    const ap = this.#aps.get(ssid);
    const matched = ap !== undefined && (ap.psk ?? '') === (psk ?? '');
    this.calls.push({ op: 'connect', ssid, pskGiven: psk !== undefined && psk !== '', pskMatched: matched });
    const problem = checkWifiArgs(ssid, psk);
    if (problem !== undefined) throw new TillqrError('NETWORK_FAILED', problem);
    if (this.#hold !== undefined) await this.#hold;
    const fail = this.#failNext;
    this.#failNext = undefined;
    if (fail !== undefined) throw new TillqrError('NETWORK_FAILED', fail);
    if (ap === undefined) throw new TillqrError('NETWORK_FAILED', `No network with SSID '${ssid}' found.`);
    if (!matched) throw new TillqrError('NETWORK_FAILED', 'Connection activation failed: Secrets were required, but not provided.');
    this.#current = ssid;
    return this.#status();
  }

  scan(): Promise<WifiNetwork[]> {
    this.calls.push({ op: 'scan' });
    const list = [...this.#aps.values()]
      .map((ap) => ({ ssid: ap.ssid, signal: ap.signal, secured: ap.psk !== undefined, inUse: ap.ssid === this.#current }))
      .sort((a, b) => b.signal - a.signal || a.ssid.localeCompare(b.ssid));
    return Promise.resolve(list);
  }
}
