/**
 * The page's POST actions, each validated at the boundary with the schema DSL and run one at a
 * time on the simulator: new sale, pay with a wallet, fail, cancel, forge, press the button, and
 * change the panel or rotation.
 */
import { TillqrError } from '../core/errors.js';
import { boolean, int, object, oneOf, string, type Schema } from '../core/schema.js';
import { PANEL_IDS } from '../display/config.js';
import type { Action } from './page-server.js';
import { FORGERIES, WALLETS, type ForgeryKind } from './sim-backend.js';
import { ROTATIONS } from './sim-config.js';
import type { Simulator } from './simulator.js';

const saleBody = object({
  amount: string({ min: 1, max: 20 }),
  currency: string({ pattern: /^[A-Za-z]{3}$/, expected: 'a 3-letter currency code such as JPY' }),
  reference: string({ max: 64 }).optional(),
  ttlSec: int({ min: 10, max: 3600 }).optional(),
});
const payBody = object({ wallet: oneOf(WALLETS) });
const emptyBody = object({});
const forgeBody = object({ kind: oneOf(Object.keys(FORGERIES) as ForgeryKind[]) });
const soundBody = object({ on: boolean() });
const displayBody = object({ panel: oneOf(PANEL_IDS).optional(), rotation: oneOf(ROTATIONS).optional() });

function parse<T>(schema: Schema<T>, body: unknown): T {
  const r = schema.safeParse(body);
  if (!r.ok) throw new TillqrError('USAGE', r.issues.map((i) => i.message).join('; '));
  return r.value;
}

export function simActions(sim: () => Simulator): Record<string, Action> {
  const run = <T>(task: (s: Simulator) => Promise<T>): Promise<T> => {
    const s = sim();
    return s.serial(() => task(s));
  };
  return {
    sale: (b) => {
      const v = parse(saleBody, b);
      // The backend tells every page about the new sale (Simulator broadcasts its onSale).
      return run((s) =>
        s.backend.newSale({
          amount: v.amount,
          currency: v.currency,
          ...(v.reference !== undefined ? { reference: v.reference } : {}),
          ...(v.ttlSec !== undefined ? { ttlSec: v.ttlSec } : {}),
        }),
      );
    },
    pay: (b) => {
      const v = parse(payBody, b);
      return run((s) => s.backend.verdict('succeeded', v.wallet));
    },
    fail: (b) => {
      parse(emptyBody, b);
      return run((s) => s.backend.verdict('failed'));
    },
    cancel: (b) => {
      parse(emptyBody, b);
      return run((s) => s.backend.cancel());
    },
    forge: (b) => {
      const v = parse(forgeBody, b);
      return run((s) => s.backend.forge(v.kind));
    },
    button: (b) => {
      parse(emptyBody, b);
      return run((s) => {
        s.pressButton();
        s.note('button pressed');
        return Promise.resolve(null);
      });
    },
    // The page's "sound" box: the till's voice on or off (voice.enabled, live), so the page hears it.
    sound: (b) => {
      const v = parse(soundBody, b);
      return run(async (s) => {
        await s.daemon.configStore.merge({ voice: { enabled: v.on } }, 'simulator page');
        return { voice: v.on };
      });
    },
    display: (b) => {
      const v = parse(displayBody, b);
      return run((s) => s.setDisplay({ ...(v.panel !== undefined ? { panel: v.panel } : {}), ...(v.rotation !== undefined ? { rotation: v.rotation } : {}) }));
    },
  };
}
