/**
 * Run as its own process by bench/render.ts: the epaperjs-style baseline for every panel, printed
 * as JSON with this driver process's own peak RSS, so the baseline's memory is counted the same
 * way as ours (a whole Node process) plus the Chromium tree it drives.
 */
import { PANEL_IDS } from '../src/display/config.js';
import { PANELS } from '../src/display/panels.js';
import { runChromiumBaseline } from './render-chromium.js';
import { USUAL_MOUNT as MOUNT } from '../src/display/panels.js';
import { procMiB } from './render-stats.js';

const iterations = Number(process.argv[2] ?? '8');
const result = await runChromiumBaseline(
  PANEL_IDS.map((id) => ({ panel: PANELS[id], rotation: MOUNT[id] })),
  iterations,
  3,
);
process.stdout.write(
  `${JSON.stringify({ times: Object.fromEntries(result.times), chromiumPssMiB: result.peakPssMiB, driverPeakMiB: procMiB('self', 'status', 'VmHWM') })}\n`,
);
