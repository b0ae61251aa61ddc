/**
 * `tillqr say --amount N [--currency C] [--wallet W] [--lang L] [--out FILE] [--device PCM] [--volume V]`:
 * the payment announcement exactly as a till says it (same phrase, same engine), written to a WAV
 * file, or played through aplay without --out. For technicians checking a speaker, and for tests.
 */
import { resolve } from 'node:path';
import { EXIT, TillqrError } from '../core/errors.js';
import { knownCurrency } from '../payment/currencies.js';
import { writeFileAtomic } from '../store/atomic-file.js';
import { AplaySpeaker } from '../voice/drivers/aplay.js';
import { EspeakNgEngine } from '../voice/drivers/espeak-ng.js';
import { VOICE_LANGS, type VoiceLang } from '../voice/money-words.js';
import { paidPhrase } from '../voice/phrases.js';
import { wavStats, withVolume } from '../voice/wav.js';
import { intFlag, parse, required } from './args.js';
import type { CliIo } from './io.js';

const USAGE = 'tillqr say --amount N [--currency C] [--wallet W] [--lang ja|en|zh|ko] [--out FILE] [--device PCM] [--volume 0-100]';

const HELP = `usage: ${USAGE}

Say a payment as the till announces it: --amount in minor units (1280 = ¥1,280, 1250 = $12.50),
--currency (default JPY), --wallet (optional), --lang (default ja). With --out, write the WAV
there; without it, play it with aplay on --device (default "default", as voice.device).
--volume in percent (default 80, as voice.volume). Needs espeak-ng (and aplay to play).
`;

export async function run(argv: string[], io: CliIo): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout(HELP);
    return EXIT.OK;
  }
  const { values: v } = parse(
    argv,
    {
      amount: { type: 'string' },
      currency: { type: 'string' },
      wallet: { type: 'string' },
      lang: { type: 'string' },
      out: { type: 'string' },
      device: { type: 'string' },
      volume: { type: 'string' },
    },
    USAGE,
  );
  const amount = intFlag(required(v.amount, '--amount', USAGE), '--amount', { min: 0, max: 9_999_999_999_999 }) ?? 0;
  const currency = (v.currency ?? 'JPY').toUpperCase();
  if (knownCurrency(currency) === undefined)
    throw new TillqrError('USAGE', `--currency ${JSON.stringify(v.currency)} is not an ISO 4217 code in use (e.g. JPY, USD)\nusage: ${USAGE}`);
  const lang = (v.lang ?? 'ja') as VoiceLang;
  if (!VOICE_LANGS.includes(lang)) throw new TillqrError('USAGE', `--lang ${JSON.stringify(v.lang)}: one of ${VOICE_LANGS.join(', ')}\nusage: ${USAGE}`);
  const volume = intFlag(v.volume, '--volume', { min: 0, max: 100 }) ?? 80;
  if (v.wallet !== undefined && (v.wallet.length > 32 || v.wallet.trim() === ''))
    throw new TillqrError('USAGE', `--wallet: 1 to 32 characters\nusage: ${USAGE}`);
  const phrase = paidPhrase(lang, amount, currency, v.wallet);
  const wav = withVolume(await new EspeakNgEngine().synthesize(phrase.spoken, lang), volume);
  const seconds = wavStats(wav).seconds.toFixed(2);
  if (v.out !== undefined) {
    const path = resolve(io.cwd, v.out);
    await writeFileAtomic(path, wav, { mode: 0o644 });
    io.stdout(`${phrase.shown}\n(${phrase.spoken})\nwrote ${path}: ${seconds} s\n`);
    return EXIT.OK;
  }
  const device = v.device ?? 'default';
  io.stdout(`${phrase.shown}\n(${phrase.spoken})\nplaying ${seconds} s on ${device}\n`);
  await new AplaySpeaker({ env: io.env }).play(wav, { device });
  return EXIT.OK;
}
