/**
 * The device's network as the console and Improv see it: NetworkManager on a Pi
 * (nmcli-network.ts), a scriptable twin elsewhere (network-sim.ts).
 */
export interface WifiNetwork {
  readonly ssid: string;
  /** Signal quality 0-100 as NetworkManager reports it. */
  readonly signal: number;
  readonly secured: boolean;
  readonly inUse: boolean;
}

export interface NetworkDevice {
  readonly name: string;
  readonly type: string;
  readonly state: string;
  readonly connection?: string;
}

export type Connectivity = 'full' | 'limited' | 'portal' | 'none' | 'unknown';

export interface NetworkStatus {
  readonly connectivity: Connectivity;
  readonly devices: readonly NetworkDevice[];
  /** The Wi-Fi network in use, if any. */
  readonly ssid?: string;
  /** Addresses of the connected devices ("192.168.1.23/24"). */
  readonly addresses: readonly string[];
}

export interface Network {
  status(): Promise<NetworkStatus>;
  /** Join a Wi-Fi network (no PSK: an open one) and keep it for the next boots. Rejects with NETWORK_FAILED. */
  connectWifi(ssid: string, psk: string | undefined): Promise<NetworkStatus>;
  /** Networks in range, strongest first. */
  scan(): Promise<WifiNetwork[]>;
}

/** Is the device on a Wi-Fi network? */
export function wifiConnected(s: NetworkStatus): boolean {
  return s.devices.some((d) => d.type === 'wifi' && d.state === 'connected');
}

/**
 * An RSSI estimate in dBm for Improv from NetworkManager's 0-100 quality (NetworkManager maps
 * -100..-50 dBm onto 0..100 in a roughly linear way; this is its inverse, good to a few dB).
 */
export function rssiFromSignal(signal: number): number {
  return Math.round(Math.min(100, Math.max(0, signal)) / 2 - 100);
}

/** SSIDs are 1-32 bytes; WPA passphrases 8-63 characters or 64 hex digits. */
export function checkWifiArgs(ssid: string, psk: string | undefined): string | undefined {
  const ssidBytes = Buffer.byteLength(ssid, 'utf8');
  if (ssidBytes < 1 || ssidBytes > 32) return `the SSID must be 1-32 bytes (it is ${ssidBytes})`;
  if (psk !== undefined && psk !== '' && !(psk.length >= 8 && psk.length <= 63) && !/^[0-9a-fA-F]{64}$/.test(psk)) {
    return `a WPA passphrase has 8-63 characters (or is 64 hex digits); this one has ${psk.length}`;
  }
  return undefined;
}
