/**
 * `npm run gallery`: every screen on every panel as the panel shows it, into docs/gallery/
 * (<panel>/<screen>.png: e-paper 1-bit, LCDs in each screen's colours), the LCD screens again in
 * black and white (<panel>/mono/<screen>.png, display.lcdColour false), plus the charge screen in
 * each UI language and in other mountings (docs/gallery/variants/). Small two-colour PNGs,
 * committed as the project's pictures.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SCREEN_NAMES, type Lang } from '../core/screen.js';
import { PANEL_IDS, type PanelId } from '../display/config.js';
import { PANELS, USUAL_MOUNT } from '../display/panels.js';
import { encodePng, viewOf } from '../display/render/png.js';
import { Renderer, type RenderOptions } from '../display/render/renderer.js';
import { sampleScreen } from '../display/render/samples.js';
import type { Rotation } from '../display/render/to-frame.js';

export async function writeGallery(dir: string, lang: Lang = 'ja'): Promise<string[]> {
  const renderer = new Renderer();
  const written: string[] = [];
  const save = async (
    path: string,
    panel: PanelId,
    rotation: Rotation,
    l: Lang,
    screen: ReturnType<typeof sampleScreen>,
    options: RenderOptions = {},
  ): Promise<void> => {
    const frame = renderer.render(screen, PANELS[panel], rotation, l, options);
    await mkdir(join(path, '..'), { recursive: true });
    await writeFile(path, encodePng(viewOf(frame, rotation)));
    written.push(path);
  };
  for (const panel of PANEL_IDS) {
    for (const name of SCREEN_NAMES) await save(join(dir, panel, `${name}.png`), panel, USUAL_MOUNT[panel], lang, sampleScreen(name, { lang }));
    if (PANELS[panel].kind !== 'lcd') continue;
    for (const name of SCREEN_NAMES)
      await save(join(dir, panel, 'mono', `${name}.png`), panel, USUAL_MOUNT[panel], lang, sampleScreen(name, { lang }), { lcdColours: 'mono' });
  }
  for (const l of ['ja', 'en', 'zh', 'ko'] as const) {
    await save(join(dir, 'variants', `charge-2in9-${l}.png`), 'waveshare-2in9-v2', 90, l, sampleScreen('charge', { lang: l }));
    await save(join(dir, 'variants', `paid-4in2-${l}.png`), 'waveshare-4in2-v2', 0, l, sampleScreen('paid', { lang: l }));
  }
  await save(join(dir, 'variants', 'charge-2in13-portrait.png'), 'waveshare-2in13-v4', 0, lang, sampleScreen('charge', { lang }));
  await save(join(dir, 'variants', 'charge-4in2-portrait.png'), 'waveshare-4in2-v2', 270, lang, sampleScreen('charge', { lang }));
  await save(join(dir, 'variants', 'charge-usd-480x320.png'), 'lcd-480x320', 0, 'en', sampleScreen('charge', { lang: 'en', amount: 123456, currency: 'USD' }));
  await save(join(dir, 'variants', 'idle-no-qr-7in5.png'), 'waveshare-7in5-v2', 0, lang, {
    name: 'idle',
    storeName: 'さくら珈琲 渋谷店',
    wallets: ['PayPay', 'd払い', '楽天ペイ', 'au PAY'],
  });
  return written;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = resolve(process.argv[2] ?? 'docs/gallery');
  writeGallery(dir).then(
    (files) => console.log(`gallery: ${files.length} pictures in ${dir}`),
    (e: unknown) => {
      console.error(`gallery: ${String(e)}`);
      process.exitCode = 1;
    },
  );
}
