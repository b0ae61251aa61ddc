/**
 * The network through NetworkManager's `nmcli`, started as a child process with an argument
 * array (never a shell, so an SSID cannot inject anything). The PSK is an argument of nmcli
 * only: it is never logged and is removed from any error text before that text goes anywhere.
 */
import { execFile } from 'node:child_process';
import { TillqrError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { checkWifiArgs, type Network, type NetworkStatus, type WifiNetwork } from './network.js';
import { parseAddresses, parseConnectivity, parseDevices, parseWifiList } from './nmcli-parse.js';

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export type NmcliRunner = (args: readonly string[], timeoutMs: number) => Promise<RunResult>;

/** Run the real nmcli (or `bin`) with a C locale so its messages parse the same everywhere. */
export function execRunner(bin = 'nmcli', env: NodeJS.ProcessEnv = process.env): NmcliRunner {
  return (args, timeoutMs) =>
    new Promise((resolve, reject) => {
      execFile(
        bin,
        [...args],
        { timeout: timeoutMs, env: { ...env, LC_ALL: 'C', LANG: 'C' }, maxBuffer: 1024 * 1024, windowsHide: true },
        (err, stdout, stderr) => {
          if (err !== null && (err as NodeJS.ErrnoException).code === 'ENOENT') {
            reject(new TillqrError('NETWORK_UNAVAILABLE', `${bin} is not installed (NetworkManager is needed for Wi-Fi)`));
            return;
          }
          const code = err === null ? 0 : typeof err.code === 'number' ? err.code : err.killed ? 3 : 1;
          resolve({ code, stdout: String(stdout), stderr: String(stderr) });
        },
      );
    });
}

export interface NmcliOptions {
  readonly logger: Logger;
  readonly run?: NmcliRunner;
  /** Wi-Fi interface; default: NetworkManager picks one. */
  readonly ifname?: string;
  /** How long `wifi connect` may take. */
  readonly connectTimeoutSec?: number;
}

export class NmcliNetwork implements Network {
  readonly #log: Logger;
  readonly #run: NmcliRunner;
  readonly #ifname: string | undefined;
  readonly #connectSec: number;

  constructor(opts: NmcliOptions) {
    this.#log = opts.logger;
    this.#run = opts.run ?? execRunner();
    this.#ifname = opts.ifname;
    this.#connectSec = opts.connectTimeoutSec ?? 45;
  }

  async #nmcli(args: string[], timeoutMs = 15_000, secret?: string): Promise<string> {
    const r = await this.#run(args, timeoutMs);
    if (r.code !== 0) {
      let msg = (r.stderr.trim() || r.stdout.trim() || `nmcli exited with ${r.code}`).split('\n')[0] ?? '';
      if (secret !== undefined && secret !== '') msg = msg.split(secret).join('[redacted]');
      msg = msg.replace(/^Error:\s*/, '');
      const code = r.code === 8 ? 'NETWORK_UNAVAILABLE' : 'NETWORK_FAILED';
      throw new TillqrError(code, r.code === 8 ? 'NetworkManager is not running' : msg, { exit: r.code });
    }
    return r.stdout;
  }

  async status(): Promise<NetworkStatus> {
    const devices = parseDevices(await this.#nmcli(['-t', '-f', 'DEVICE,TYPE,STATE,CONNECTION', 'device', 'status']));
    const connectivity = parseConnectivity(await this.#nmcli(['-t', 'networking', 'connectivity']).catch(() => 'unknown'));
    const addresses: string[] = [];
    for (const d of devices) {
      if (d.state !== 'connected' || d.type === 'loopback') continue;
      addresses.push(...parseAddresses(await this.#nmcli(['-t', '-f', 'IP4.ADDRESS,IP6.ADDRESS', 'device', 'show', d.name]).catch(() => '')));
    }
    const wifi = devices.find((d) => d.type === 'wifi' && d.state === 'connected');
    let ssid: string | undefined;
    if (wifi !== undefined) {
      const list = parseWifiList(await this.#nmcli(['-t', '-f', 'IN-USE,SSID,SIGNAL,SECURITY', 'device', 'wifi', 'list', '--rescan', 'no']).catch(() => ''));
      ssid = list.find((n) => n.inUse)?.ssid ?? wifi.connection;
    }
    return ssid === undefined ? { connectivity, devices, addresses } : { connectivity, devices, addresses, ssid };
  }

  async connectWifi(ssid: string, psk: string | undefined): Promise<NetworkStatus> {
    const problem = checkWifiArgs(ssid, psk);
    if (problem !== undefined) throw new TillqrError('NETWORK_FAILED', problem);
    const args = ['--wait', String(this.#connectSec), 'device', 'wifi', 'connect', ssid];
    if (psk !== undefined && psk !== '') args.push('password', psk);
    if (this.#ifname !== undefined) args.push('ifname', this.#ifname);
    this.#log.info('joining a Wi-Fi network', { ssid, secured: psk !== undefined && psk !== '' });
    try {
      await this.#nmcli(args, (this.#connectSec + 10) * 1000, psk);
    } catch (e) {
      this.#log.warn('could not join the Wi-Fi network', { ssid, error: e });
      throw e;
    }
    return this.status();
  }

  async scan(): Promise<WifiNetwork[]> {
    const args = ['-t', '-f', 'IN-USE,SSID,SIGNAL,SECURITY', 'device', 'wifi', 'list', '--rescan', 'yes'];
    if (this.#ifname !== undefined) args.push('ifname', this.#ifname);
    return parseWifiList(await this.#nmcli(args, 30_000));
  }
}
