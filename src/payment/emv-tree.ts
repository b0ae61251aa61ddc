/**
 * The decoded EMV payload as a tree: each data object with its id, its name when known, its raw
 * value, and for templates the nested objects. A template whose content is not TLV stays a plain
 * value with a warning: real codes break the rules and must still decode.
 */
import { childName, isAdditionalDataTemplate, isTopLevelTemplate, topLevelName } from './emv-fields.js';
import { charLength, isTlvProblem, readTlvLenient, type LengthUnit, type TlvItem } from './emv-tlv.js';

export interface EmvNode {
  readonly id: string;
  readonly name?: string;
  readonly value: string;
  readonly children?: readonly EmvNode[];
}

function node(id: string, name: string | undefined, value: string, children?: EmvNode[]): EmvNode {
  return { id, ...(name === undefined ? {} : { name }), value, ...(children === undefined ? {} : { children }) };
}

function noteLongLengths(where: string, items: readonly TlvItem[], warnings: string[]): void {
  for (const i of items) {
    const path = where === '' ? `id ${i.id}` : `${where}.${i.id}`;
    if (i.longLength) warnings.push(`${path} has a three-digit length (${charLength(i.value)}); EMV lengths are two digits`);
  }
}

function nested(where: string, value: string, unit: LengthUnit, warnings: string[]): TlvItem[] | undefined {
  const r = readTlvLenient(value, unit);
  if (!isTlvProblem(r)) {
    noteLongLengths(where, r, warnings);
    return r;
  }
  warnings.push(`${where} is a template but its content is not TLV (${r.reason} at character ${r.at}); kept as a plain value`);
  return undefined;
}

function template(parent: string, items: TlvItem[], unit: LengthUnit, warnings: string[]): EmvNode[] {
  const gui = items.find((i) => i.id === '00')?.value;
  return items.map((item) => {
    const name = childName(parent, item.id, gui);
    if (parent === '62' && isAdditionalDataTemplate(item.id)) {
      const inner = nested(`id 62.${item.id}`, item.value, unit, warnings);
      if (inner !== undefined) return node(item.id, name, item.value, template(`62.${item.id}`, inner, unit, warnings));
    }
    return node(item.id, name, item.value);
  });
}

/** Builds the tree from top-level items, reading templates with the same length unit. */
export function buildTree(items: readonly TlvItem[], unit: LengthUnit, warnings: string[]): EmvNode[] {
  noteLongLengths('', items, warnings);
  return items.map((item) => {
    const name = topLevelName(item.id);
    if (!isTopLevelTemplate(item.id)) return node(item.id, name, item.value);
    const inner = nested(`id ${item.id}`, item.value, unit, warnings);
    return inner === undefined ? node(item.id, name, item.value) : node(item.id, name, item.value, template(item.id, inner, unit, warnings));
  });
}

/** The first node with an id, or undefined. */
export function findNode(nodes: readonly EmvNode[] | undefined, id: string): EmvNode | undefined {
  return nodes?.find((n) => n.id === id);
}

/** The value of a node's child, or undefined. */
export function childValue(n: EmvNode | undefined, id: string): string | undefined {
  return findNode(n?.children, id)?.value;
}
