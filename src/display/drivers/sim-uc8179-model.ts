/**
 * The UC8179 controller as the simulator sees it: old (0x10) and new (0x13) data planes, filled
 * from the start on each command, or only the partial window (0x90) between partial-in (0x91) and
 * partial-out (0x92); power on/off; a refresh (0x12) shows the new plane (whole panel, or the
 * window only in partial mode) with the polarity set by the VCOM/data interval DDX bits. Only the
 * OTP waveform (panel setting with REG = 0) is simulated. RAM is scrambled in deep sleep, so a
 * driver must not rely on it afterwards.
 */
import type { Level } from '../../signal/gpio.js';
import type { SimHost, SimModel } from './sim-epaper-device.js';

const KNOWN = new Set([0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x10, 0x11, 0x12, 0x13, 0x15, 0x30, 0x50, 0x60, 0x61, 0x65, 0x71, 0x82, 0x90, 0x91, 0x92]);

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
  #cmd = -1;
  #args: number[] = [];
  #counter = 0;
  #panelSetting: number | undefined;
  #resolutionOk = false;
  #ddx = 0x01;
  #poweredOn = false;
  #partial = false;
  #win: Win;

  constructor(host: SimHost, width: number, height: number) {
    this.#host = host;
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
    if (this.#panelSetting === undefined || (this.#panelSetting & 0x20) !== 0) this.#host.violation('refresh without the OTP waveform selected (panel setting REG must be 0)');
    if (!this.#resolutionOk) this.#host.violation('refresh without the resolution set');
    const w = this.#partial ? this.#win : { xs: 0, xe: this.#stride * 8 - 1, ys: 0, ye: this.#height - 1 };
    for (let y = w.ys; y <= w.ye; y++) {
      for (let b = w.xs / 8; b <= (w.xe - 7) / 8; b++) {
        const i = y * this.#stride + b;
        const v = this.nu[i] ?? 0;
        this.screen[i] = this.#ddx === 0 ? v : ~v & 0xff;
      }
    }
    this.#host.busy(this.#host.timing.fullMs, 'refresh');
    this.#host.refreshed(this.#partial ? 'partial' : 'full');
  }
}
