/**
 * Lenient EMV MPM decoder. Errors only for what makes a payload unusable: not EMV at all, no CRC
 * at the end, a CRC that does not match, or TLV that cannot be read. Every other broken rule is a
 * warning, because printed codes in real shops break rules and still pay.
 */
import { TillqrError } from '../core/errors.js';
import { checkRules } from './emv-check.js';
import { readContent, type EmvContent } from './emv-content.js';
import { codeUnitCrcHex, emvCrcHex } from './emv-crc.js';
import { charLength, isTlvProblem, readTlvLenient, type LengthUnit, type TlvItem, type TlvProblem } from './emv-tlv.js';
import { buildTree, type EmvNode } from './emv-tree.js';

export interface DecodedEmv {
  /** The data objects in payload order, templates with their nested objects. */
  readonly fields: readonly EmvNode[];
  /** Rules the payload breaks, one sentence each. */
  readonly warnings: readonly string[];
  /** The CRC as written in the payload (tag 63). */
  readonly crc: string;
  readonly content: EmvContent;
}

/** True when a QR payload is an EMV MPM payload (starts with "000201" or "000202"), not an opaque URL. */
export function isEmvPayload(text: string): boolean {
  return text.startsWith('000201') || text.startsWith('000202');
}

/** No QR code holds more (version 40 in alphanumeric mode); longer input is not a scanned code. */
export const MAX_DECODE_LENGTH = 4296;

const CRC_AT_END = /6304([0-9A-Fa-f]{4})$/;
const UNIT_NAMES: Readonly<Record<LengthUnit, string>> = { char: 'characters', utf8: 'UTF-8 bytes', utf16: 'UTF-16 code units' };

function malformed(message: string, context: Record<string, unknown> = {}): TillqrError {
  return new TillqrError('EMV_MALFORMED', message, context);
}

/** Reads the top level, retrying other length units when the payload has non-ASCII text. */
function readTop(text: string, warnings: string[]): { items: TlvItem[]; unit: LengthUnit } {
  const first = readTlvLenient(text, 'char');
  if (!isTlvProblem(first) && endsWithCrc(first)) return { items: first, unit: 'char' };
  if (!/^[\x00-\x7f]*$/.test(text)) {
    for (const unit of ['utf8', 'utf16'] as const) {
      const r = readTlvLenient(text, unit);
      if (!isTlvProblem(r) && endsWithCrc(r)) {
        warnings.push(`lengths count ${UNIT_NAMES[unit]}, not characters as EMV requires`);
        return { items: r, unit };
      }
    }
  }
  if (isTlvProblem(first)) throw malformed(describe(first), { at: first.at });
  throw malformed('the CRC (id 63, length 04) is not the last data object');
}

function endsWithCrc(items: readonly TlvItem[]): boolean {
  const last = items[items.length - 1];
  return last?.id === '63' && last.value.length === 4;
}

function describe(p: TlvProblem): string {
  return `malformed EMV payload at character ${p.at}: ${p.reason}`;
}

/**
 * Decodes an EMV MPM payload into its tree, warnings and meaning. Throws EMV_MALFORMED or
 * EMV_CRC_MISMATCH (`CRC mismatch: payload says 1D3D, computed 4F21`).
 */
export function decodeEmv(payload: string): DecodedEmv {
  if (!isEmvPayload(payload)) {
    throw malformed(`not an EMV payload: it must start with "000201" (got ${JSON.stringify(payload.slice(0, 6))})`);
  }
  if (payload.length > MAX_DECODE_LENGTH) throw malformed(`the payload is ${payload.length} characters; no QR code holds more than ${MAX_DECODE_LENGTH}`);
  const warnings: string[] = [];
  const text = payload.replace(/[\s\u0000]+$/u, '');
  if (text !== payload) warnings.push('whitespace after the CRC was ignored');
  const m = CRC_AT_END.exec(text);
  const said = m?.[1];
  if (said === undefined) throw malformed('no CRC at the end: an EMV payload ends with "6304" and four hex digits');
  const computed = emvCrcHex(text.slice(0, -4));
  if (said.toUpperCase() !== computed) {
    if (/[^\x00-\x7f]/.test(text) && said.toUpperCase() === codeUnitCrcHex(text.slice(0, -4))) {
      warnings.push('the CRC was computed over UTF-16 code units, not UTF-8 bytes as EMV requires');
    } else {
      throw new TillqrError('EMV_CRC_MISMATCH', `CRC mismatch: payload says ${said}, computed ${computed}`, { said, computed });
    }
  }
  const { items, unit } = readTop(text, warnings);
  if (items.slice(0, -1).some((i) => i.id === '63')) warnings.push('id 63 (CRC) appears more than once; the last one is the CRC');
  const fields = buildTree(items, unit, warnings);
  warnings.push(...checkRules(fields, charLength(text)));
  return { fields, warnings, crc: said, content: readContent(fields) };
}
