/**
 * Names of the EMV MPM data objects (EMVCo QRCPS Merchant-Presented Mode v1.1) and of a few
 * well-known scheme templates, and which ids are templates holding nested TLV.
 */

const TOP_LEVEL: Readonly<Record<string, string>> = {
  '00': 'Payload Format Indicator',
  '01': 'Point of Initiation Method',
  '52': 'Merchant Category Code',
  '53': 'Transaction Currency',
  '54': 'Transaction Amount',
  '55': 'Tip or Convenience Indicator',
  '56': 'Value of Convenience Fee Fixed',
  '57': 'Value of Convenience Fee Percentage',
  '58': 'Country Code',
  '59': 'Merchant Name',
  '60': 'Merchant City',
  '61': 'Postal Code',
  '62': 'Additional Data Field Template',
  '63': 'CRC',
  '64': 'Merchant Information - Language Template',
};

const CARD_NETWORKS: readonly [number, number, string][] = [
  [2, 3, 'Visa'],
  [4, 5, 'Mastercard'],
  [6, 8, 'EMVCo'],
  [9, 10, 'Discover'],
  [11, 12, 'Amex'],
  [13, 14, 'JCB'],
  [15, 16, 'UnionPay'],
  [17, 25, 'EMVCo'],
];

const ADDITIONAL_DATA: Readonly<Record<string, string>> = {
  '01': 'Bill Number',
  '02': 'Mobile Number',
  '03': 'Store Label',
  '04': 'Loyalty Number',
  '05': 'Reference Label',
  '06': 'Customer Label',
  '07': 'Terminal Label',
  '08': 'Purpose of Transaction',
  '09': 'Additional Consumer Data Request',
  '10': 'Merchant Tax ID',
  '11': 'Merchant Channel',
};

const LANGUAGE: Readonly<Record<string, string>> = {
  '00': 'Language Preference',
  '01': 'Merchant Name - Alternate Language',
  '02': 'Merchant City - Alternate Language',
};

/** Sub-field names of well-known merchant account templates, by globally unique identifier (lower case). */
const SCHEME_FIELDS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'jp.or.paymentsjapan': { '01': 'JPQR Store ID Level 1', '02': 'JPQR Store ID Level 2', '03': 'JPQR Store ID Level 3', '04': 'JPQR Store ID Level 4' },
  'br.gov.bcb.pix': { '01': 'Pix Key', '02': 'Additional Information', '03': 'Payment Facilitator', '25': 'Payload URL' },
  a000000677010111: { '01': 'PromptPay Mobile Number', '02': 'PromptPay National or Tax ID', '03': 'PromptPay E-Wallet ID' },
  a000000677010112: { '01': 'Biller ID', '02': 'Reference 1', '03': 'Reference 2' },
  'sg.paynow': { '01': 'Proxy Type', '02': 'Proxy Value', '03': 'Amount Editable', '04': 'Expiry Date' },
  'sg.sgqr': {
    '01': 'SGQR ID Number',
    '02': 'Version',
    '03': 'Postal Code',
    '04': 'Level',
    '05': 'Unit Number',
    '06': 'Miscellaneous',
    '07': 'New Version Date',
  },
};

function num(id: string): number {
  return Number(id);
}

/** Whether a top-level id is a template (its value is nested TLV): 26-51, 62, 64 and 80-99. */
export function isTopLevelTemplate(id: string): boolean {
  const n = num(id);
  return (n >= 26 && n <= 51) || n === 62 || n === 64 || (n >= 80 && n <= 99);
}

/** Whether an id inside the Additional Data Field Template (62) is a template: 50-99. */
export function isAdditionalDataTemplate(id: string): boolean {
  return num(id) >= 50 && num(id) <= 99;
}

export function isMerchantAccountId(id: string): boolean {
  return num(id) >= 2 && num(id) <= 51;
}

/** The name of a top-level id, or undefined for an unknown one. */
export function topLevelName(id: string): string | undefined {
  const known = TOP_LEVEL[id];
  if (known !== undefined) return known;
  const n = num(id);
  for (const [lo, hi, network] of CARD_NETWORKS) {
    if (n >= lo && n <= hi) return `Merchant Account Information (${network})`;
  }
  if (n >= 26 && n <= 51) return 'Merchant Account Information';
  if (n >= 65 && n <= 79) return 'RFU for EMVCo';
  if (n >= 80 && n <= 99) return 'Unreserved Template';
  return undefined;
}

/**
 * The name of an id inside a template. `parent` is the template's top-level id; `gui` the
 * template's globally unique identifier (sub-field 00), when it has one.
 */
export function childName(parent: string, id: string, gui?: string): string | undefined {
  if (parent === '62') {
    const known = ADDITIONAL_DATA[id];
    if (known !== undefined) return known;
    if (isAdditionalDataTemplate(id)) return 'Payment System Specific Template';
    return 'RFU for EMVCo';
  }
  if (parent === '64') return LANGUAGE[id] ?? 'RFU for EMVCo';
  if (id === '00') return 'Globally Unique Identifier';
  if (gui !== undefined) return SCHEME_FIELDS[gui.toLowerCase()]?.[id];
  return undefined;
}

/** Short human label for messages: `id 59 (Merchant Name)`. */
export function label(id: string, parent?: string): string {
  const name = parent === undefined ? topLevelName(id) : childName(parent, id);
  const where = parent === undefined ? `id ${id}` : `id ${parent}.${id}`;
  return name === undefined ? where : `${where} (${name})`;
}
