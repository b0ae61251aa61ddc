import { describe, expect, it } from 'vitest';
import { findCommand, parseTyped, parseWords, secretAfter } from '../../../src/console/commands.js';
import { completeWords, restAfter, tokenize, unquoteValue } from '../../../src/console/tokenize.js';

const args = (line: string): readonly string[] | undefined => parseTyped(line)?.args;

describe('console command lines', () => {
  it('splits words with quotes and escapes', () => {
    expect(tokenize('wifi "Shop Net" \'p a"ss\'').words.map((w) => w.text)).toEqual(['wifi', 'Shop Net', 'p a"ss']);
    expect(tokenize('a "b\\"c\\\\" d').words.map((w) => w.text)).toEqual(['a', 'b"c\\', 'd']);
    expect(() => tokenize('wifi "Shop')).toThrow(/unterminated double quote/);
    expect(tokenize('wifi "Shop', { partial: true })).toMatchObject({ openQuote: true });
  });

  it('counts complete words of a partly typed line', () => {
    expect(completeWords('login')).toBe(0);
    expect(completeWords('login ')).toBe(1);
    expect(completeWords('wifi "Shop Net')).toBe(1);
    expect(completeWords('wifi "Shop Net" ')).toBe(2);
    const t = tokenize('set merchant.name  Cafe Luna ');
    expect(restAfter('set merchant.name  Cafe Luna ', t, 2)).toBe('Cafe Luna ');
  });

  it('finds one- and two-word commands', () => {
    expect(findCommand(['mqtt', 'test'])?.spec.name).toBe('mqtt test');
    expect(findCommand(['NETWORK'])?.spec.name).toBe('network');
    expect(findCommand(['network', 'scan'])?.spec.name).toBe('network scan');
    expect(findCommand(['frobnicate'])).toBeUndefined();
  });

  it('gives set its value and provision its bundle as the raw rest of the line', () => {
    expect(args('set merchant.name Cafe Luna')).toEqual(['merchant.name', 'Cafe Luna']);
    expect(args('set merchant.name "Cafe Luna"')).toEqual(['merchant.name', '"Cafe Luna"']);
    expect(unquoteValue('"Cafe Luna"')).toBe('Cafe Luna');
    expect(unquoteValue('{"a": 1}')).toBe('{"a": 1}');
    expect(args('provision {"format": "x", "a": "it\'s"}')).toEqual(['{"format": "x", "a": "it\'s"}']);
    expect(args('wifi "Shop Net" secret123')).toEqual(['Shop Net', 'secret123']);
    expect(args('login')).toEqual([]);
    expect(parseTyped('   ')).toBeUndefined();
  });

  it('refuses unknown commands and wrong argument counts with a usage line', () => {
    expect(() => parseTyped('stat')).toThrow(/unknown command "stat"; did you mean: status/);
    expect(() => parseTyped('frob')).toThrow(/type help/);
    expect(() => parseTyped('set display.rotation')).toThrow(/usage: set KEY VALUE/);
    expect(() => parseTyped('get a b')).toThrow(/usage: get KEY/);
    expect(() => parseWords(['mqtt'])).toThrow(/unknown command "mqtt"/);
    expect(parseWords(['mqtt', 'test']).spec.name).toBe('mqtt test');
  });

  it('knows which typed characters are secret', () => {
    expect(secretAfter('login')).toBe(false);
    expect(secretAfter('login ')).toBe(true);
    expect(secretAfter('wifi Shop ')).toBe(true);
    expect(secretAfter('wifi Shop')).toBe(false);
    expect(secretAfter('set console.passphraseHash ')).toBe(true);
    expect(secretAfter('set mqtt ')).toBe(true); // holds the password
    expect(secretAfter('set display ')).toBe(false);
    expect(secretAfter('status ')).toBe(false);
  });
});
