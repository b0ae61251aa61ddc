/**
 * The fleet as the operator sees it, from the retained topics: <prefix>/<id>/status (the payment
 * link's), <prefix>/<id>/update/status and <prefix>/<id>/config/reported. Pure.
 */
import { statusSchema, type DeviceStatus } from '../../link/contract.js';
import { parseJsonPayload } from '../../link/json-payload.js';
import { reportedConfigSchema, updateStatusSchema, type ReportedConfig, type UpdateStatus } from '../../link/contract-fleet.js';

export interface DeviceView {
  readonly deviceId: string;
  status?: DeviceStatus;
  update?: UpdateStatus;
  reported?: ReportedConfig;
}

export function viewTopics(prefix: string): string[] {
  return [`${prefix}/+/status`, `${prefix}/+/update/status`, `${prefix}/+/config/reported`];
}

/** Fold retained messages (topic -> payload) into one view per device. */
export function buildView(prefix: string, messages: ReadonlyMap<string, Buffer>): Map<string, DeviceView> {
  const out = new Map<string, DeviceView>();
  const get = (id: string): DeviceView => {
    let v = out.get(id);
    if (v === undefined) out.set(id, (v = { deviceId: id }));
    return v;
  };
  for (const [topic, payload] of messages) {
    if (!topic.startsWith(`${prefix}/`)) continue;
    const rest = topic.slice(prefix.length + 1);
    const slash = rest.indexOf('/');
    if (slash <= 0) continue;
    const id = rest.slice(0, slash);
    if (id === 'groups') continue;
    const kind = rest.slice(slash + 1);
    if (kind === 'status') {
      const s = parseJsonPayload(statusSchema, payload);
      if (s !== undefined) get(id).status = s;
    } else if (kind === 'update/status') {
      const s = parseJsonPayload(updateStatusSchema, payload);
      if (s !== undefined) get(id).update = s;
    } else if (kind === 'config/reported') {
      const s = parseJsonPayload(reportedConfigSchema, payload);
      if (s !== undefined) get(id).reported = s;
    }
  }
  return out;
}

export function deviceVersion(v: DeviceView): string | undefined {
  return v.update?.current ?? v.status?.version;
}

/** Last time anything was heard of the device (Unix seconds). */
export function lastSeen(v: DeviceView): number | undefined {
  const times = [v.status?.since, v.update?.at, v.reported?.at].filter((t): t is number => t !== undefined && t > 0);
  return times.length === 0 ? undefined : Math.max(...times);
}

function ago(sec: number | undefined, nowSec: number): string {
  if (sec === undefined) return '-';
  const d = Math.max(0, nowSec - sec);
  if (d < 120) return `${d}s ago`;
  if (d < 7200) return `${Math.floor(d / 60)}m ago`;
  if (d < 172_800) return `${Math.floor(d / 3600)}h ago`;
  return `${Math.floor(d / 86_400)}d ago`;
}

function updateText(u: UpdateStatus | undefined): string {
  if (u === undefined) return '-';
  const what = `${u.state}${u.percent !== undefined && u.state === 'downloading' ? ` ${u.percent}%` : ''}${u.reason !== undefined ? ` (${u.reason})` : ''}`;
  return u.version !== undefined ? `${what} ${u.version}` : what;
}

/**
 * The `fleet status` table. A connected device is seen "now" (the broker holds its connection and
 * would publish its will otherwise); `status.since` is when it entered its sale state, not a heartbeat.
 */
export function renderTable(views: Iterable<DeviceView>, nowSec: number): string {
  const rows = [...views]
    .sort((a, b) => a.deviceId.localeCompare(b.deviceId))
    .map((v) => [
      v.deviceId,
      v.status === undefined ? '?' : v.status.online ? 'yes' : 'no',
      deviceVersion(v) ?? '?',
      v.status?.state ?? '?',
      (v.status?.faults ?? []).join(',') || '-',
      updateText(v.update),
      (v.reported?.memberOf ?? []).join(',') || '-',
      v.status?.online === true ? 'now' : ago(lastSeen(v), nowSec),
    ]);
  const head = ['DEVICE', 'ONLINE', 'VERSION', 'STATE', 'FAULTS', 'UPDATE', 'GROUPS', 'LAST SEEN'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string =>
    r
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(head), ...rows.map(line)].join('\n') + '\n';
}
