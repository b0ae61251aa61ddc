import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { secretAfter } from '../../../src/console/commands.js';
import { LineEditor, type EditorEvent } from '../../../src/console/line-editor.js';

function editor(max = 64): LineEditor {
  return new LineEditor({ maxLineBytes: () => max, secretAfter });
}

const bytes = (s: string): Uint8Array => Buffer.from(s, 'latin1');
const echoOf = (ev: EditorEvent[]): string => Buffer.concat(ev.flatMap((e) => (e.kind === 'echo' ? [e.bytes] : []))).toString('latin1');
const lines = (ev: EditorEvent[]): { text: string; json: boolean }[] => ev.flatMap((e) => (e.kind === 'line' ? [{ text: e.text, json: e.json }] : []));

describe('console line editor', () => {
  it('echoes a typed line and ends it on CR, LF or CRLF', () => {
    const e = editor();
    const ev = e.push(bytes('help\rstatus\nversion\r\nlog\n'));
    expect(echoOf(ev)).toBe('help\r\nstatus\r\nversion\r\nlog\r\n');
    expect(lines(ev)).toEqual([
      { text: 'help', json: false },
      { text: 'status', json: false },
      { text: 'version', json: false },
      { text: 'log', json: false },
    ]);
  });

  it('reports an empty line (the session shows the prompt again)', () => {
    const ev = editor().push(bytes('\r'));
    expect(echoOf(ev)).toBe('\r\n');
    expect(lines(ev)).toEqual([{ text: '', json: false }]);
  });

  it('erases a character with DEL or BS, a whole UTF-8 character at a time', () => {
    const ev = editor().push(bytes('ab\x7fc\x08d\r'));
    expect(echoOf(ev)).toBe('ab\b \bc\b \bd\r\n');
    expect(lines(ev)[0]?.text).toBe('ad');
    const utf = editor().push(Buffer.concat([Buffer.from('caf\u00e9'), bytes('\x7fe\r')]));
    expect(lines(utf)[0]?.text).toBe('cafe');
    expect(
      editor()
        .push(bytes('\x7f\x7fa\r'))
        .filter((e) => e.kind === 'line'),
    ).toEqual([{ kind: 'line', text: 'a', json: false }]);
  });

  it('Ctrl-U erases the line, Ctrl-C abandons it', () => {
    const u = editor().push(bytes('abc\x15d\r'));
    expect(echoOf(u)).toBe('abc\b \b\b \b\b \bd\r\n');
    expect(lines(u)[0]?.text).toBe('d');
    const c = editor().push(bytes('abc\x03'));
    expect(echoOf(c)).toBe('abc^C\r\n');
    expect(c.map((e) => e.kind)).toEqual(['echo', 'cancel']);
  });

  it('ignores arrow keys, other escape sequences and control bytes', () => {
    const ev = editor().push(bytes('a\x1b[Db\x1b[1;5Cc\x1bOAd\x00\x01\x02e\tf\r'));
    expect(lines(ev)[0]?.text).toBe('abcde f');
    expect(echoOf(ev)).toBe('abcde f\r\n');
  });

  it('treats a line starting with { as JSON: no echo, no editing', () => {
    const ev = editor().push(bytes('{"id":"1","cmd":"status\x7f"}\n'));
    expect(echoOf(ev)).toBe('');
    expect(lines(ev)).toEqual([{ text: '{"id":"1","cmd":"status\x7f"}', json: true }]);
  });

  it('does not echo the secret part of login, wifi, provision and secret set', () => {
    expect(echoOf(editor().push(bytes('login hunter22\r')))).toBe('login \r\n');
    expect(echoOf(editor().push(bytes('wifi "Shop Net" s3cretpsk\r')))).toBe('wifi "Shop Net" \r\n');
    expect(echoOf(editor().push(bytes('provision eyJmb3JtYXQiOi\r')))).toBe('provision \r\n');
    expect(echoOf(editor().push(bytes('set mqtt.password pw123456\r')))).toBe('set mqtt.password \r\n');
    expect(echoOf(editor().push(bytes('set display.rotation 90\r')))).toBe('set display.rotation 90\r\n');
    const e = editor();
    const ev = e.push(bytes('login hunter22\r'));
    expect(lines(ev)[0]?.text).toBe('login hunter22');
  });

  it('erasing a hidden character echoes nothing, erasing back into the command shows again', () => {
    const ev = editor().push(bytes('login ab\x7f\x7f\x7fx\r'));
    // "login " shown; a, b hidden; erase b, a (silent), erase the space (shown), then x after "login"
    expect(echoOf(ev)).toBe('login \b \bx\r\n');
    expect(lines(ev)[0]?.text).toBe('loginx');
  });

  it('masks a whole line when asked (a passphrase prompt), even one starting with {', () => {
    const e = editor();
    e.secretLine = true;
    const ev = e.push(bytes('{pass word}\r'));
    expect(echoOf(ev)).toBe('\r\n');
    expect(lines(ev)).toEqual([{ text: '{pass word}', json: false }]);
    expect(echoOf(e.push(bytes('next\r')))).toBe('next\r\n');
  });

  it('drops an overlong line up to its end, reports it once, then works again', () => {
    const e = editor(8);
    const ev = e.push(bytes('123456789abc\rok\r'));
    expect(echoOf(ev)).toBe('12345678\x07\r\nok\r\n');
    expect(ev.filter((x) => x.kind !== 'echo')).toEqual([
      { kind: 'error', code: 'CONSOLE_LINE_TOO_LONG', json: false },
      { kind: 'line', text: 'ok', json: false },
    ]);
    const j = editor(8).push(bytes('{"id":"123456"}\n'));
    expect(j).toEqual([{ kind: 'error', code: 'CONSOLE_LINE_TOO_LONG', json: true }]);
  });

  it('reports a line that is not UTF-8', () => {
    const ev = editor().push(Uint8Array.of(0x61, 0xff, 0xfe, 0x0d));
    expect(ev.filter((x) => x.kind !== 'echo')).toEqual([{ kind: 'error', code: 'CONSOLE_BAD_INPUT', json: false }]);
  });

  it('never holds more than the limit and never throws, whatever arrives', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 20 }), (chunks) => {
        const e = editor(100);
        for (const c of chunks) {
          e.push(c);
          expect(e.pending).toBeLessThanOrEqual(100);
        }
        // and a clean line afterwards is understood
        const ev = e.push(bytes('\r\nversion\r'));
        expect(lines(ev).at(-1)).toEqual({ text: 'version', json: false });
      }),
    );
  });
});
