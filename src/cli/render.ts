/**
 * `tillqr render`: draws one screen for one panel into a PNG exactly as the panel shows it
 * (1-bit black on white for e-paper, the LCD palette for LCDs), upright as a person sees the
 * mounted panel, or `--native` in the controller's own orientation. A QR that cannot be drawn
 * scannably writes the `error` screen instead and exits 65.
 */
import { resolve } from 'node:path';
import { EXIT, TillqrError } from '../core/errors.js';
import { SCREEN_NAMES, type Lang, type ScreenName } from '../core/screen.js';
import { PANEL_IDS } from '../display/config.js';
import { isPanelId, PANELS } from '../display/panels.js';
import { encodePng, viewOf } from '../display/render/png.js';
import { defaultFontFiles, missingFonts } from '../display/render/fonts/font-files.js';
import { renderOrError, Renderer } from '../display/render/renderer.js';
import { sampleScreen } from '../display/render/samples.js';
import type { Rotation } from '../display/render/to-frame.js';
import { parseMoney } from '../payment/money.js';
import { writeFileAtomic } from '../store/atomic-file.js';
import { intFlag, parse, required } from './args.js';
import type { CliIo } from './io.js';

const USAGE =
  'tillqr render --panel ID --screen NAME [--amount N --currency C] [--qr PAYLOAD] [--store NAME] [--lang ja|en|zh|ko] [--rotation 0|90|180|270] [--native] --out FILE.png';

const LANGS: readonly Lang[] = ['ja', 'en', 'zh', 'ko'];

function oneOf<T extends string>(value: string, allowed: readonly T[], flag: string): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new TillqrError('USAGE', `${flag}: ${JSON.stringify(value)} is not one of ${allowed.join(', ')}\nusage: ${USAGE}`);
}

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values } = parse(
    argv,
    {
      panel: { type: 'string' },
      screen: { type: 'string' },
      amount: { type: 'string' },
      currency: { type: 'string' },
      qr: { type: 'string' },
      store: { type: 'string' },
      lang: { type: 'string' },
      rotation: { type: 'string' },
      out: { type: 'string' },
      native: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    USAGE,
  );
  if (values.help === true) {
    io.stdout(`usage: ${USAGE}\n\npanels: ${PANEL_IDS.join(', ')}\nscreens: ${SCREEN_NAMES.join(', ')}\n`);
    return EXIT.OK;
  }
  const panelId = required(values.panel, '--panel', USAGE);
  if (!isPanelId(panelId)) throw new TillqrError('USAGE', `--panel: no panel ${JSON.stringify(panelId)}; known: ${PANEL_IDS.join(', ')}`);
  const panel = PANELS[panelId];
  const name = oneOf<ScreenName>(required(values.screen, '--screen', USAGE), SCREEN_NAMES, '--screen');
  const lang = oneOf<Lang>(values.lang ?? 'ja', LANGS, '--lang');
  const rotation = (intFlag(values.rotation, '--rotation') ?? 0) as Rotation;
  if (![0, 90, 180, 270].includes(rotation)) throw new TillqrError('USAGE', `--rotation: ${rotation} is not 0, 90, 180 or 270`);
  const out = resolve(io.cwd, required(values.out, '--out', USAGE));
  const currency = (values.currency ?? 'JPY').toUpperCase();
  const amount = values.amount === undefined ? undefined : parseMoney(values.amount, currency);

  const screen = sampleScreen(name, {
    lang,
    currency,
    ...(amount === undefined ? {} : { amount }),
    ...(values.qr === undefined ? {} : { qr: values.qr }),
    ...(values.store === undefined ? {} : { store: values.store }),
  });
  const fonts = defaultFontFiles(io.env.TILLQR_FONT_ROOT ?? '/');
  const missing = missingFonts(fonts);
  if (missing.length > 0) {
    // Without them every character would be drawn as a box: refuse rather than draw a wrong picture.
    throw new TillqrError('FONTS_MISSING', `fonts are missing, text would be drawn as boxes: ${missing.join('; ')}`, { missing });
  }
  const renderer = new Renderer({ fonts });
  const write = async (frame: ReturnType<Renderer['render']>): Promise<void> => {
    await writeFileAtomic(out, encodePng(values.native === true ? frame : viewOf(frame, rotation)));
  };
  const { frame, error } = renderOrError(renderer, screen, panel, rotation, lang);
  await write(frame);
  if (error !== undefined) {
    io.stderr(`tillqr render: ${error.message}; wrote the error screen to ${out}\n`);
    return EXIT.DATAERR;
  }
  io.stdout(`${out}\n`);
  return EXIT.OK;
}
