/**
 * Parsing nmcli's terse output (`nmcli -t`): fields separated by ':', with ':' and '\' inside a
 * value escaped by a backslash.
 */
import type { Connectivity, NetworkDevice, WifiNetwork } from './network.js';

export function splitTerse(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i] ?? '';
    if (c === '\\' && i + 1 < line.length) {
      cur += line[i + 1] ?? '';
      i++;
    } else if (c === ':') {
      out.push(cur);
      cur = '';
    } else {
      cur += c;
    }
  }
  out.push(cur);
  return out;
}

const lines = (text: string): string[] =>
  text
    .split('\n')
    .map((l) => l.replace(/\r$/, ''))
    .filter((l) => l !== '');

/** `nmcli -t -f DEVICE,TYPE,STATE,CONNECTION device status` */
export function parseDevices(text: string): NetworkDevice[] {
  return lines(text).flatMap((l) => {
    const [name, type, state, connection] = splitTerse(l);
    if (name === undefined || type === undefined || state === undefined) return [];
    return [connection === undefined || connection === '' || connection === '--' ? { name, type, state } : { name, type, state, connection }];
  });
}

/** `nmcli -t -f IN-USE,SSID,SIGNAL,SECURITY device wifi list`: hidden networks dropped, one entry per SSID (the strongest). */
export function parseWifiList(text: string): WifiNetwork[] {
  const best = new Map<string, WifiNetwork>();
  for (const l of lines(text)) {
    const [inUse, ssid, signal, security] = splitTerse(l);
    if (ssid === undefined || ssid === '' || ssid === '--') continue;
    const n: WifiNetwork = {
      ssid,
      signal: Math.min(100, Math.max(0, Number.parseInt(signal ?? '0', 10) || 0)),
      secured: security !== undefined && security !== '' && security !== '--',
      inUse: inUse === '*',
    };
    const prev = best.get(ssid);
    if (prev === undefined || n.signal > prev.signal || n.inUse) best.set(ssid, { ...n, inUse: n.inUse || (prev?.inUse ?? false) });
  }
  return [...best.values()].sort((a, b) => b.signal - a.signal || a.ssid.localeCompare(b.ssid));
}

/** `nmcli -t -f IP4.ADDRESS,IP6.ADDRESS device show DEV` */
export function parseAddresses(text: string): string[] {
  return lines(text).flatMap((l) => {
    const [name, value] = splitTerse(l);
    if (name === undefined || value === undefined || value === '') return [];
    if (!/^IP[46]\.ADDRESS/.test(name)) return [];
    if (value.startsWith('fe80:')) return [];
    return [value];
  });
}

export function parseConnectivity(text: string): Connectivity {
  const v = text.trim();
  return v === 'full' || v === 'limited' || v === 'portal' || v === 'none' ? v : 'unknown';
}
