/**
 * The SSD1680/SSD1683 controller as the simulator sees it: two RAM planes (0x24 BW, 0x26 RED;
 * bit 1 = white), the RAM window and address counter (data entry mode 0x03 only), the update
 * controls, and what a refresh does to the picture: display mode 1 (full) shows the BW plane;
 * display mode 2 (partial) changes only pixels where BW differs from RED (or from 0 when 0x21
 * bypasses RED), as the differential waveform does. RAM survives reset and deep sleep mode 1.
 *
 * Strict where a real panel is punished silently:
 * - a partial refresh whose RED plane (the "previous image") differs from what the panel shows
 *   anywhere: those pixels would be driven through a transition again (over-driving, DC
 *   imbalance, ghosting), because the differential waveform covers the whole panel, not the window;
 * - a refresh from a RAM LUT (0x32) without its voltages (0x3F, 0x03, 0x04, 0x2C) written since the
 *   last reset: it would run on power-on default voltages.
 */
import type { Level } from '../../signal/gpio.js';
import type { SimHost, SimModel } from './sim-epaper-device.js';

const KNOWN = new Set([
  0x01, 0x03, 0x04, 0x0c, 0x10, 0x11, 0x12, 0x18, 0x1a, 0x20, 0x21, 0x22, 0x24, 0x26, 0x2c, 0x32, 0x37, 0x3c, 0x3f, 0x44, 0x45, 0x4e, 0x4f,
]);
const LUT_BYTES = { ssd1680: 153, ssd1683: 227 } as const;

export class SsdModel implements SimModel {
  readonly busyLevel: Level = 1;
  readonly screen: Uint8Array;
  readonly bw: Uint8Array;
  readonly red: Uint8Array;
  readonly #host: SimHost;
  readonly #width: number;
  readonly #height: number;
  readonly #stride: number;
  readonly #lutBytes: number;
  readonly #otpPartial: boolean;
  #cmd = -1;
  #args: number[] = [];
  #entry = 0x03;
  #xs = 0;
  #xe = 0;
  #ys = 0;
  #ye = 0;
  #xc = 0;
  #yc = 0;
  #control1 = [0x00, 0x00];
  #control2 = 0xff;
  #lutLoaded = false;
  /** Which of 0x3F/0x03/0x04/0x2C were written since the last reset. */
  #voltages = new Set<number>();

  constructor(host: SimHost, width: number, height: number, controller: 'ssd1680' | 'ssd1683', otpPartial: boolean) {
    this.#host = host;
    this.#width = width;
    this.#height = height;
    this.#stride = Math.ceil(width / 8);
    this.#lutBytes = LUT_BYTES[controller];
    this.#otpPartial = otpPartial;
    this.screen = new Uint8Array(this.#stride * height);
    // Power-up RAM content is undefined: a pattern, so a driver that relies on it shows garbage.
    this.bw = new Uint8Array(this.#stride * height).fill(0x5a);
    this.red = new Uint8Array(this.#stride * height).fill(0xa5);
    this.reset();
  }

  reset(): void {
    this.#cmd = -1;
    this.#args = [];
    this.#entry = 0x03;
    this.#xs = 0;
    this.#xe = this.#stride - 1;
    this.#ys = 0;
    this.#ye = this.#height - 1;
    this.#xc = 0;
    this.#yc = 0;
    this.#control1 = [0x00, 0x00];
    this.#control2 = 0xff;
    this.#lutLoaded = false;
    this.#voltages = new Set();
  }

  command(cmd: number): void {
    this.#finish();
    this.#cmd = cmd;
    this.#args = [];
    if (!KNOWN.has(cmd)) this.#host.violation(`unknown command 0x${cmd.toString(16)}`);
    if (cmd === 0x12) {
      this.reset();
      this.#cmd = 0x12;
      this.#host.busy(this.#host.timing.swResetMs, 'sw-reset');
    } else if (cmd === 0x20) this.#activate();
  }

  data(byte: number): void {
    if (this.#cmd === 0x24 || this.#cmd === 0x26) {
      this.#writeRam(this.#cmd === 0x24 ? this.bw : this.red, byte);
      return;
    }
    this.#args.push(byte);
    if (this.#cmd === 0x10 && this.#args.length === 1 && (byte & 0x03) !== 0) this.#host.deepSleep();
  }

  /** Apply the parameters of the command that just ended. */
  #finish(): void {
    const a = this.#args;
    const at = (i: number): number => a[i] ?? 0;
    switch (this.#cmd) {
      case 0x01:
        if ((at(0) | (at(1) << 8)) + 1 !== this.#height)
          this.#host.violation(`driver output control sets ${(at(0) | (at(1) << 8)) + 1} gates, panel has ${this.#height}`);
        break;
      case 0x11:
        this.#entry = at(0);
        if (this.#entry !== 0x03) this.#host.violation(`data entry mode 0x${this.#entry.toString(16)} is not simulated`);
        break;
      case 0x21:
        this.#control1 = [at(0), at(1)];
        break;
      case 0x22:
        this.#control2 = at(0);
        break;
      case 0x32:
        if (a.length < this.#lutBytes) this.#host.violation(`LUT of ${a.length} bytes, the controller needs ${this.#lutBytes}`);
        else this.#lutLoaded = true;
        break;
      case 0x3f:
      case 0x03:
      case 0x2c:
        if (a.length >= 1) this.#voltages.add(this.#cmd);
        break;
      case 0x04:
        if (a.length >= 3) this.#voltages.add(this.#cmd);
        break;
      case 0x44:
        [this.#xs, this.#xe] = [at(0), at(1)];
        if (this.#xe >= this.#stride || this.#xs > this.#xe) this.#host.violation(`RAM X range ${this.#xs}..${this.#xe} outside 0..${this.#stride - 1}`);
        break;
      case 0x45:
        [this.#ys, this.#ye] = [at(0) | (at(1) << 8), at(2) | (at(3) << 8)];
        if (this.#ye >= this.#height || this.#ys > this.#ye) this.#host.violation(`RAM Y range ${this.#ys}..${this.#ye} outside 0..${this.#height - 1}`);
        break;
      case 0x4e:
        this.#xc = at(0);
        break;
      case 0x4f:
        this.#yc = at(0) | (at(1) << 8);
        break;
      default:
        break;
    }
  }

  #writeRam(plane: Uint8Array, byte: number): void {
    if (this.#xc < this.#xs || this.#xc > this.#xe || this.#yc < this.#ys || this.#yc > this.#ye) {
      this.#host.violation(`RAM write at (${this.#xc}, ${this.#yc}) outside the window`);
      return;
    }
    plane[this.#yc * this.#stride + this.#xc] = byte;
    if (++this.#xc > this.#xe) {
      this.#xc = this.#xs;
      if (++this.#yc > this.#ye) this.#yc = this.#ys;
    }
  }

  /** 0x20: run the sequence chosen with 0x22. */
  #activate(): void {
    const opt = this.#control2;
    if ((opt & 0x04) === 0) {
      this.#host.busy(1, 'other'); // clock/analog/temperature only, no display
      return;
    }
    const mode2 = (opt & 0x08) !== 0;
    const otpLut = (opt & 0x10) !== 0;
    if (mode2 && otpLut && !this.#otpPartial) this.#host.violation('partial refresh with the OTP waveform, but this panel has none in OTP');
    if (!otpLut && !this.#lutLoaded) this.#host.violation('refresh without a waveform: no OTP load (0x22 bit 4) and no LUT written (0x32)');
    if (!otpLut && this.#lutLoaded) {
      const missing = [0x3f, 0x03, 0x04, 0x2c].filter((c) => !this.#voltages.has(c));
      if (missing.length > 0)
        this.#host.violation(
          `refresh from a RAM LUT on power-on default voltages: ${missing.map((c) => `0x${c.toString(16).padStart(2, '0')}`).join(', ')} not written`,
        );
    }
    if (mode2) this.#checkPrevious();
    if (mode2) this.#showDifferential();
    else for (let i = 0; i < this.screen.length; i++) this.screen[i] = ~(this.bw[i] ?? 0) & 0xff;
    this.#maskPadding();
    this.#host.busy(mode2 ? this.#host.timing.partialMs : this.#host.timing.fullMs, 'refresh');
    this.#host.refreshed(mode2 ? 'partial' : 'full', mode2 ? 'partial' : 'full');
  }

  /** Mode 2 needs RED = the picture on the glass (RAM polarity, pixel bits only), everywhere. */
  #checkPrevious(): void {
    const redOption = (this.#control1[0] ?? 0) & 0xf0;
    if (redOption === 0x40) return; // RED bypassed as 0: not a differential update against a previous image
    const extra = this.#stride * 8 - this.#width;
    const lastMask = (0xff << extra) & 0xff;
    let stale = 0;
    let first = -1;
    for (let i = 0; i < this.screen.length; i++) {
      const mask = i % this.#stride === this.#stride - 1 ? lastMask : 0xff;
      const raw = this.red[i] ?? 0;
      const red = redOption === 0x80 ? ~raw & 0xff : raw;
      const shown = ~(this.screen[i] ?? 0) & 0xff;
      if (((red ^ shown) & mask) !== 0) {
        stale++;
        if (first < 0) first = i;
      }
    }
    if (stale > 0) {
      const at = `(byte ${first % this.#stride}, row ${Math.floor(first / this.#stride)})`;
      this.#host.violation(
        `partial refresh with the previous-image RAM (0x26) differing from the displayed image in ${stale} bytes, first at ${at}: those pixels are driven again`,
      );
    }
  }

  /** Mode 2: pixels whose BW bit differs from RED (as 0x21 presents it) go to the BW value. */
  #showDifferential(): void {
    const redOption = (this.#control1[0] ?? 0) & 0xf0;
    for (let i = 0; i < this.screen.length; i++) {
      const bw = this.bw[i] ?? 0;
      const raw = this.red[i] ?? 0;
      const red = redOption === 0x40 ? 0x00 : redOption === 0x80 ? ~raw & 0xff : raw;
      const changed = bw ^ red;
      this.screen[i] = ((this.screen[i] ?? 0) & ~changed & 0xff) | (~bw & changed & 0xff);
    }
  }

  /** Bits past the last column are not pixels: keep them clear, as in a Frame. */
  #maskPadding(): void {
    const extra = this.#stride * 8 - this.#width;
    if (extra === 0) return;
    const mask = (0xff << extra) & 0xff;
    for (let y = 0; y < this.#height; y++) {
      const i = y * this.#stride + this.#stride - 1;
      this.screen[i] = (this.screen[i] ?? 0) & mask;
    }
  }
}
