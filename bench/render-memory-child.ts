/**
 * Run as its own process by bench/render.ts: renders `charge` on every panel (and every other
 * screen once), then prints its peak resident memory (VmHWM) as JSON. A separate process, so
 * the figure is the whole cost of rendering in Node: runtime, fonts, caches and frames.
 */
import { SCREEN_NAMES } from '../src/core/screen.js';
import { PANEL_IDS } from '../src/display/config.js';
import { PANELS } from '../src/display/panels.js';
import { Renderer } from '../src/display/render/renderer.js';
import { sampleScreen } from '../src/display/render/samples.js';
import { procMiB } from './render-stats.js';

const before = procMiB('self', 'status', 'VmHWM');
const renderer = new Renderer();
for (const id of PANEL_IDS) {
  for (const name of SCREEN_NAMES) renderer.render(sampleScreen(name, { lang: 'ja' }), PANELS[id], 0, 'ja');
  for (let i = 0; i < 100; i++) renderer.render(sampleScreen('charge', { lang: 'ja', now: Date.UTC(2025, 5, 1) + i * 1000 }), PANELS[id], 90, 'ja');
}
process.stdout.write(`${JSON.stringify({ startMiB: before, peakMiB: procMiB('self', 'status', 'VmHWM') })}\n`);
