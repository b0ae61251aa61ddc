/**
 * Where the fonts live on a device. Bitmap UI fonts come from the `galmuri` npm package (OFL-1.1);
 * the fallback for every BMP character is GNU Unifont from the Debian `unifont` package; the
 * large amount digits use DejaVu Sans Bold from Debian `fonts-dejavu-core` (see device/fonts.txt).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface FontFiles {
  /** Folder holding Galmuri9.bdf, Galmuri11.bdf, Galmuri11-Bold.bdf, Galmuri14.bdf. */
  readonly galmuriDir?: string;
  readonly unifontHex?: string;
  /** Unifont with Japanese-style kanji (preferred for Japanese text). */
  readonly unifontJpHex?: string;
  /** TrueType (glyf) font for the amount. */
  readonly amountTtf?: string;
}

export const DEBIAN_FONT_PATHS = {
  unifontHex: '/usr/share/unifont/unifont.hex',
  unifontJpHex: '/usr/share/unifont/unifont_jp.hex',
  amountTtf: '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf',
} as const;

function galmuriDir(): string | undefined {
  try {
    const require = createRequire(import.meta.url);
    return join(dirname(require.resolve('galmuri/package.json')), 'dist');
  } catch {
    return undefined;
  }
}

/**
 * The installed fonts at their standard places; a file that is not there is left out. `root`
 * is where Debian's paths start (default `/`; `TILLQR_FONT_ROOT` for an image built off-device).
 */
export function defaultFontFiles(root = '/'): FontFiles {
  const found = (p: string | undefined): p is string => p !== undefined && existsSync(p);
  const g = galmuriDir();
  const at = (p: string): string => join(root, p);
  const unifontHex = at(DEBIAN_FONT_PATHS.unifontHex);
  const unifontJpHex = at(DEBIAN_FONT_PATHS.unifontJpHex);
  const amountTtf = at(DEBIAN_FONT_PATHS.amountTtf);
  return {
    ...(found(g) ? { galmuriDir: g } : {}),
    ...(found(unifontHex) ? { unifontHex } : {}),
    ...(found(unifontJpHex) ? { unifontJpHex } : {}),
    ...(found(amountTtf) ? { amountTtf } : {}),
  };
}

/** Which of the expected fonts are missing, as sentences a technician can act on. */
export function missingFonts(files: FontFiles): string[] {
  const out: string[] = [];
  if (files.galmuriDir === undefined || !existsSync(join(files.galmuriDir, 'Galmuri11.bdf')))
    out.push('Galmuri bitmap fonts: run npm install (package "galmuri")');
  if (files.unifontHex === undefined) out.push(`GNU Unifont: apt-get install unifont (expects ${DEBIAN_FONT_PATHS.unifontHex})`);
  if (files.amountTtf === undefined) out.push(`DejaVu Sans Bold: apt-get install fonts-dejavu-core (expects ${DEBIAN_FONT_PATHS.amountTtf})`);
  return out;
}
