/**
 * Quiet hours: a local-time window (HH:MM to HH:MM) in which the buzzer stays silent. The window
 * may cross midnight (22:00 to 07:00). Start is inclusive, end exclusive; equal start and end
 * means no quiet hours at all (not the whole day: a typo must not silence a till for good).
 */
export interface QuietHours {
  readonly start: string;
  readonly end: string;
}

/** Minutes since local midnight for a Unix-ms instant. */
export type LocalMinutes = (ms: number) => number;

const HHMM = /^([01][0-9]|2[0-3]):([0-5][0-9])$/;

export function parseHhmm(text: string): number | undefined {
  const m = HHMM.exec(text);
  if (m === null) return undefined;
  return Number(m[1]) * 60 + Number(m[2]);
}

export function isQuietAt(window: QuietHours | undefined, minutes: number): boolean {
  if (window === undefined) return false;
  const start = parseHhmm(window.start);
  const end = parseHhmm(window.end);
  if (start === undefined || end === undefined || start === end) return false;
  return start < end ? minutes >= start && minutes < end : minutes >= start || minutes < end;
}

/**
 * Local minutes in the process time zone (TZ, or /etc/localtime on the device), or in a named
 * IANA zone when given (tests, and a device whose system zone is left at UTC).
 */
export function localMinutes(timeZone?: string): LocalMinutes {
  if (timeZone === undefined) {
    return (ms) => {
      const d = new Date(ms);
      return d.getHours() * 60 + d.getMinutes();
    };
  }
  const fmt = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  return (ms) => {
    let h = 0;
    let min = 0;
    for (const part of fmt.formatToParts(ms)) {
      if (part.type === 'hour') h = Number(part.value);
      else if (part.type === 'minute') min = Number(part.value);
    }
    return (h % 24) * 60 + min;
  };
}
