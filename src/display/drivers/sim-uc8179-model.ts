/**
 * The UC8179 controller as the simulator sees it: old (0x10) and new (0x13) data planes, filled
 * from the start on each command, or only the partial window (0x90) between partial-in (0x91) and
 * partial-out (0x92); power on/off; a refresh (0x12) shows the new plane (whole panel, or the
 * window only in partial mode) with the polarity set by the VCOM/data interval DDX bits. Only the
 * OTP waveforms (panel setting with REG = 0) are simulated: the full one, and the fast
 * differential partial one that a forced temperature of 110 selects (0xE0 TSFIX, 0xE5 0x6E), which
 * changes only pixels whose new bit differs from the old one and takes partialMs instead of fullMs.
 * Strict: that waveform on a panel batch without it, and a fast partial whose old data differs
 * from what the panel shows (those pixels would be driven again, or not at all), are violations.
 * N2OCP (0x50 bit 3) copies new to old after a refresh. RAM is scrambled in deep sleep, so a
 * driver must not rely on it afterwards.
 */
import type { Level } from '../../signal/gpio.js';
import type { SimHost, SimModel } from './sim-epaper-device.js';

const KNOWN = new Set([
  0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x10, 0x11, 0x12, 0x13, 0x15, 0x30, 0x41, 0x50, 0x60, 0x61, 0x65, 0x71, 0x82, 0x90, 0x91, 0x92, 0xe0, 0xe3,
  0xe5,
]);
/** 0xE5 values that select an OTP waveform other than the normal one when 0xE0 sets TSFIX. */
const TEMP_FAST_PARTIAL = 0x6e;

interface Win {
  xs: number;
  xe: number;
  ys: number;
  ye: number;
}

export class UcModel implements SimModel {
  readonly busyLevel: Level = 0;
  readonly screen: Uint8Array;
  readonly old: Uint8Array;
  readonly nu: Uint8Array;
  readonly #host: SimHost;
  readonly #width: number;
  readonly #height: number;
  readonly #stride: number;
  readonly #fastPartialInOtp: boolean;
  #cmd = -1;
  #args: number[] = [];
  #counter = 0;
  #panelSetting: number | undefined;
  #resolutionOk = false;
  #ddx = 0x01;
  #poweredOn = false;
  #partial = false;
  #n2ocp = false;
  #ccset = 0;
  #tsset: number | undefined;
  #win: Win;

  constructor(host: SimHost, width: number, height: number, fastPartialInOtp = true) {
    this.#host = host;
    this.#fastPartialInOtp = fastPartialInOtp;
    this.#width = width;
    this.#height = height;
    this.#stride = Math.ceil(width / 8);
    this.screen = new Uint8Array(this.#stride * height);
    this.old = new Uint8Array(this.#stride * height).fill(0x5a);
    this.nu = new Uint8Array(this.#stride * height).fill(0xa5);
    this.#win = { xs: 0, xe: width - 1, ys: 0, ye: height - 1 };
  }

  reset(): void {
    this.#cmd = -1;
    this.#args = [];
    this.#panelSetting = undefined;
    this.#resolutionOk = false;
    this.#ddx = 0x01;
    this.#poweredOn = false;
    this.#partial = false;
    this.#n2ocp = false;
    this.#ccset = 0;
    this.#tsset = undefined;
    this.#win = { xs: 0, xe: this.#width - 1, ys: 0, ye: this.#height - 1 };
  }

  command(cmd: number): void {
    this.#finish();
    this.#cmd = cmd;
    this.#args = [];
    this.#counter = 0;
    if (!KNOWN.has(cmd)) this.#host.violation(`unknown command 0x${cmd.toString(16)}`);
    const t = this.#host.timing;
    switch (cmd) {
      case 0x04:
        this.#poweredOn = true;
        this.#host.busy(t.powerMs, 'power');
        break;
      case 0x02:
        this.#poweredOn = false;
        this.#host.busy(t.powerMs, 'power');
        break;
      case 0x12:
        this.#refresh();
        break;
      case 0x91:
        this.#partial = true;
        break;
      case 0x92:
        this.#partial = false;
        break;
      default:
        break;
    }
  }

  data(byte: number): void {
    if (this.#cmd === 0x10 || this.#cmd === 0x13) {
      this.#writeRam(this.#cmd === 0x10 ? this.old : this.nu, byte);
      return;
    }
    this.#args.push(byte);
    if (this.#cmd === 0x07 && byte === 0xa5) {
      this.old.fill(0x5a);
      this.nu.fill(0xa5);
      this.#host.deepSleep();
    }
  }

  #finish(): void {
    const at = (i: number): number => this.#args[i] ?? 0;
    switch (this.#cmd) {
      case 0x00:
        this.#panelSetting = at(0);
        break;
      case 0x50:
        this.#ddx = at(0) & 0x03;
        this.#n2ocp = (at(0) & 0x08) !== 0;
        break;
      case 0xe0:
        this.#ccset = at(0);
        break;
      case 0xe5:
        this.#tsset = at(0);
        break;
      case 0x61: {
        const w = (at(0) << 8) | at(1);
        const h = (at(2) << 8) | at(3);
        this.#resolutionOk = w === this.#width && h === this.#height;
        if (!this.#resolutionOk) this.#host.violation(`resolution set to ${w}x${h}, panel is ${this.#width}x${this.#height}`);
        break;
      }
      case 0x90: {
        const win = { xs: (at(0) << 8) | at(1), xe: (at(2) << 8) | at(3), ys: (at(4) << 8) | at(5), ye: (at(6) << 8) | at(7) };
        const ok = win.xs % 8 === 0 && (win.xe & 7) === 7 && win.xs <= win.xe && win.xe < this.#stride * 8 && win.ys <= win.ye && win.ye < this.#height;
        if (!ok) this.#host.violation(`partial window ${JSON.stringify(win)} is not byte-aligned or not on the panel`);
        else this.#win = win;
        break;
      }
      default:
        break;
    }
  }

  #writeRam(plane: Uint8Array, byte: number): void {
    const w = this.#partial ? this.#win : { xs: 0, xe: this.#stride * 8 - 1, ys: 0, ye: this.#height - 1 };
    const bytesPerRow = (w.xe + 1 - w.xs) / 8;
    const row = Math.floor(this.#counter / bytesPerRow);
    const col = this.#counter % bytesPerRow;
    this.#counter++;
    if (w.ys + row > w.ye) {
      this.#host.violation(`more data than the ${this.#partial ? 'partial window' : 'panel'} holds`);
      return;
    }
    plane[(w.ys + row) * this.#stride + w.xs / 8 + col] = byte;
  }

  #refresh(): void {
    if (!this.#poweredOn) this.#host.violation('refresh while the panel is powered off');
    if (this.#panelSetting === undefined || (this.#panelSetting & 0x20) !== 0)
      this.#host.violation('refresh without the OTP waveform selected (panel setting REG must be 0)');
    if (!this.#resolutionOk) this.#host.violation('refresh without the resolution set');
    const fast = (this.#ccset & 0x02) !== 0 && this.#tsset === TEMP_FAST_PARTIAL;
    if (fast && !this.#fastPartialInOtp) this.#host.violation('fast partial waveform selected (0xE0 0x02, 0xE5 0x6E), but this panel batch has none in OTP');
    const w = this.#partial ? this.#win : { xs: 0, xe: this.#stride * 8 - 1, ys: 0, ye: this.#height - 1 };
    if (fast) this.#checkOld(w);
    for (let y = w.ys; y <= w.ye; y++) {
      for (let b = w.xs / 8; b <= (w.xe - 7) / 8; b++) {
        const i = y * this.#stride + b;
        const v = this.nu[i] ?? 0;
        const next = this.#ddx === 0 ? v : ~v & 0xff;
        // The differential waveform moves only pixels whose new bit differs from the old one.
        const changed = fast ? (v ^ (this.old[i] ?? 0)) & 0xff : 0xff;
        this.screen[i] = ((this.screen[i] ?? 0) & ~changed & 0xff) | (next & changed);
        if (this.#n2ocp) this.old[i] = v;
      }
    }
    this.#host.busy(fast ? this.#host.timing.partialMs : this.#host.timing.fullMs, 'refresh');
    this.#host.refreshed(this.#partial ? 'partial' : 'full', fast ? 'partial' : 'full');
  }

  /** Old data (in the DDX polarity) must be the picture on the glass wherever the refresh reaches. */
  #checkOld(w: Win): void {
    let stale = 0;
    for (let y = w.ys; y <= w.ye; y++) {
      for (let b = w.xs / 8; b <= (w.xe - 7) / 8; b++) {
        const i = y * this.#stride + b;
        const shown = this.#ddx === 0 ? (this.screen[i] ?? 0) : ~(this.screen[i] ?? 0) & 0xff;
        if ((this.old[i] ?? 0) !== shown) stale++;
      }
    }
    if (stale > 0) this.#host.violation(`fast partial refresh with old data (0x10) differing from the displayed image in ${stale} bytes`);
  }
}
