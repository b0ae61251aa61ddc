/**
 * A panel frame as the page receives it: the 1-bit rows as a person sees the mounted panel
 * (the native frame turned by the mounting rotation), packed MSB-first as the panel stores them
 * and sent as base64, with the ink and paper colours. The page paints it pixel for pixel.
 */
import type { SimFrameEvent } from '../display/drivers/sim-panel.js';
import type { PanelInfo } from '../display/panel.js';
import { viewOf } from '../display/render/png.js';
import type { Rotation } from './sim-config.js';

export interface FrameMessage {
  readonly seq: number;
  readonly mode: 'full' | 'partial';
  readonly panel: string;
  readonly kind: 'epaper' | 'lcd';
  readonly rotation: Rotation;
  /** The panel's own resolution (before rotation). */
  readonly native: { readonly width: number; readonly height: number };
  /** The picture as seen: width x height pixels, `stride` bytes a row. */
  readonly width: number;
  readonly height: number;
  readonly stride: number;
  readonly bits: string;
  readonly ink: string;
  readonly paper: string;
}

const hex = (c: { r: number; g: number; b: number }): string => `#${[c.r, c.g, c.b].map((v) => v.toString(16).padStart(2, '0')).join('')}`;

export function frameMessage(ev: Pick<SimFrameEvent, 'seq' | 'mode' | 'frame'>, info: PanelInfo, rotation: Rotation): FrameMessage {
  const view = viewOf(ev.frame, rotation);
  const data = view.data.subarray(0, view.stride * view.height);
  return {
    seq: ev.seq,
    mode: ev.mode,
    panel: info.id,
    kind: info.kind,
    rotation,
    native: { width: info.width, height: info.height },
    width: view.width,
    height: view.height,
    stride: view.stride,
    bits: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64'),
    ink: hex(ev.frame.palette?.ink ?? { r: 0, g: 0, b: 0 }),
    paper: hex(ev.frame.palette?.paper ?? { r: 255, g: 255, b: 255 }),
  };
}
