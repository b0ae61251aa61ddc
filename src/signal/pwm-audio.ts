/**
 * The passive buzzer and the analogue audio jack (device/config-txt.md, "PWM and the analogue
 * audio jack"). On a Pi 3/3B+ (BCM2837) the jack is driven by the same PWM block as the header's
 * PWM pins, so with the jack enabled (`dtparam=audio=on`, Raspberry Pi OS's default) a passive
 * buzzer and sound exclude each other: that is a fault a technician must come for. On a Pi 4/400
 * the two are separate blocks sharing one clock: both work, a tone during speech may shift pitch
 * (a warning). The Zero 2 W and the Pi 5 have no jack.
 *
 * The jack is enabled when ALSA lists its card: the bcm2835 audio driver names it "Headphones"
 * (/proc/asound/cards, e.g. " 0 [Headphones     ]: bcm2835_headpho - bcm2835 Headphones").
 */
import { readFile } from 'node:fs/promises';
import { DEVICE_TREE_MODEL } from '../console/header-uart.js';

export const ASOUND_CARDS = '/proc/asound/cards';

export interface PwmAudioFinding {
  /** `fault`: the buzzer cannot work beside the jack; `warning`: it works, with a caveat. */
  readonly severity: 'fault' | 'warning';
  readonly message: string;
}

/** What the board, its sound cards and the buzzer kind mean for the buzzer (pure). */
export function pwmAudioFinding(model: string | undefined, cards: string | undefined, buzzer: 'none' | 'active' | 'passive'): PwmAudioFinding | undefined {
  if (buzzer !== 'passive' || model === undefined || cards === undefined) return undefined;
  if (!/\[Headphones\s*\]|bcm2835 Headphones/.test(cards)) return undefined;
  const m = model.replace(/\0+$/, '').trim();
  if (/^Raspberry Pi (3|Compute Module 3)\b/.test(m))
    return {
      severity: 'fault',
      message: `${m}: the audio jack is on and uses the passive buzzer's PWM block; use an active buzzer or add dtparam=audio=off`,
    };
  if (/^Raspberry Pi (4|400|Compute Module 4)\b/.test(m))
    return { severity: 'warning', message: `${m}: the audio jack shares the PWM clock with the passive buzzer; a tone during speech may shift pitch` };
  return undefined;
}

/** Reads the board model and ALSA's card list (missing files mean: not a Pi, or no sound). */
export async function readPwmAudioFinding(
  buzzer: 'none' | 'active' | 'passive',
  paths: { model?: string; cards?: string } = {},
): Promise<PwmAudioFinding | undefined> {
  if (buzzer !== 'passive') return undefined;
  const [model, cards] = await Promise.all([
    readFile(paths.model ?? DEVICE_TREE_MODEL, 'latin1').catch(() => undefined),
    readFile(paths.cards ?? ASOUND_CARDS, 'utf8').catch(() => undefined),
  ]);
  return pwmAudioFinding(model, cards, buzzer);
}
