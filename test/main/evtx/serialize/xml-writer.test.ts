/** The streaming XML writer's layout rules: the element tree form of Windows' event XML. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { ATTR, TEXT, XmlByteWriter } from '../../../../main/evtx/serialize/xml-writer';
import type { XmlElement } from '../../../../shared/model/event-xml';
import { renderScalar, VT_ANSI } from '../../../../main/evtx/binxml/values';

function pretty(el: XmlElement): string {
  const w = new XmlByteWriter(true, 4);
  w.writeElement(el);
  return w.buf.toString('utf8', 0, w.len);
}

const el = (name: string, children: XmlElement['children'] = [], attrs: XmlElement['attrs'] = []): XmlElement => ({ name, attrs, children });

test('empty elements close themselves; text-only elements stay on one line, blanks included', () => {
  assert.equal(pretty(el('A')), '<A/>');
  assert.equal(pretty(el('A', ['x'])), '<A>x</A>');
  assert.equal(pretty(el('A', ['  '])), '<A>  </A>');
  assert.equal(pretty(el('A', ['a', 'b'])), '<A>ab</A>');
});

test('element children go one per line; blank text between them is dropped, other text kept', () => {
  assert.equal(pretty(el('A', [el('B'), el('C', ['x'])])), '<A>\n  <B/>\n  <C>x</C>\n</A>');
  assert.equal(pretty(el('A', ['\n  ', el('B'), ' \t'])), '<A>\n  <B/>\n</A>');
  assert.equal(pretty(el('A', ['t1', el('B'), 't2'])), '<A>t1\n  <B/>t2\n</A>');
  // U+00A0 and U+3000 are blanks to String.prototype.trim, so they are dropped too.
  assert.equal(pretty(el('A', ['\u00a0\u3000', el('B')])), '<A>\n  <B/>\n</A>');
  assert.equal(pretty(el('A', [el('B', [el('C')])])), '<A>\n  <B>\n    <C/>\n  </B>\n</A>');
});

test('text and attribute values are escaped; every field is attacker-controlled', () => {
  assert.equal(
    pretty(el('Data', [`<img src=x onerror="alert('1')">&amp;`], [['Name', `"'<&>`]])),
    `<Data Name="&quot;&apos;&lt;&amp;&gt;">&lt;img src=x onerror="alert('1')"&gt;&amp;amp;</Data>`,
  );
  // The long-string (native) path escapes the same way.
  const long = '<b>&</b>'.repeat(20);
  assert.equal(pretty(el('D', [long], [['a', long]])), `<D a="${long.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}">${long.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}</D>`);
});

test('UTF-16 is encoded as UTF-8 like Node does, lone surrogates as U+FFFD, short and long', () => {
  for (const s of ['h\u00e9\u4e2d\u{1f600}', 'x\ud800y\udc00z', ('\u{1f600}\ud800\u00e9' + 'a'.repeat(30)).repeat(2)]) {
    const u16 = Buffer.from(s, 'utf16le');
    for (const mode of [TEXT, ATTR]) {
      const w = new XmlByteWriter(false, 1);
      w.utf16(u16, 0, s.length, mode);
      assert.deepEqual(w.buf.subarray(0, w.len), Buffer.from(s, 'utf8'), JSON.stringify(s));
      const w2 = new XmlByteWriter(false, 1);
      w2.utf8(s, mode);
      assert.deepEqual(w2.buf.subarray(0, w2.len), Buffer.from(s, 'utf8'));
    }
  }
  // Values end at their first NUL when asked.
  const w = new XmlByteWriter(false, 1);
  w.utf16(Buffer.from('ab\0cd', 'utf16le'), 0, 5, TEXT, true);
  assert.equal(w.buf.toString('utf8', 0, w.len), 'ab');
});

test('compact layout puts the whole element on one line', () => {
  const w = new XmlByteWriter(false);
  w.writeElement(el('A', [el('B', ['x']), '\n', el('C')]));
  assert.equal(w.buf.toString('utf8', 0, w.len), '<A><B>x</B><C/></A>');
});

test('elements rendered ahead (beginFragment) are placed at their depth with childCopy, from anywhere in the writer that rendered them', () => {
  const ahead = new XmlByteWriter(true);
  ahead.beginFragment(2);
  ahead.writeElement(el('Skipped', ['yz']));
  const mark = ahead.len; // (not a multiple of 4: the copy reads words from unaligned offsets)
  ahead.beginFragment(2);
  ahead.writeElement(el('C', ['x']));
  ahead.writeElement(el('D'));
  assert.notEqual(mark % 4, 0);
  const w = new XmlByteWriter(true);
  w.open('A');
  w.open('B');
  w.text('  '); // a blank run, dropped once a child element follows
  w.childCopy(ahead, mark, ahead.len);
  w.close();
  w.close();
  assert.equal(w.buf.toString('utf8', 0, w.len), '<A>\n  <B>\n    <C>x</C>\n    <D/>\n  </B>\n</A>');
  assert.equal(w.openElements, 0);
});

test('childCopy places long runs too (copied natively, not word by word) and short ones after them', () => {
  const long = 'L'.repeat(300);
  const ahead = new XmlByteWriter(true);
  ahead.beginFragment(1);
  ahead.writeElement(el('Skipped'));
  const mark = ahead.len;
  ahead.beginFragment(1);
  ahead.writeElement(el('C', [long]));
  const mid = ahead.len;
  ahead.beginFragment(1);
  ahead.writeElement(el('D'));
  const w = new XmlByteWriter(true);
  w.open('A');
  w.childCopy(ahead, mark, mid);
  w.childCopy(ahead, mid, ahead.len);
  w.close();
  assert.equal(w.buf.toString('utf8', 0, w.len), `<A>\n  <C>${long}</C>\n  <D/>\n</A>`);
});

test('nodes are counted as a tree holds them (elements and text runs)', () => {
  const w = new XmlByteWriter(true);
  w.writeElement(el('A', ['a', 'b', el('B', ['c']), 'd']));
  // A, "ab", B, "c", "d"
  assert.equal(w.nodes, 5);
});

test('the encoders (UTF-16 bytes, strings, code page bytes) agree with Node on random text, escaping and blanks included', () => {
  const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
  const escape = (s: string, mode: number) => (mode === TEXT ? s.replace(/[&<>]/g, (c) => ESC[c]) : mode === ATTR ? s.replace(/[&<>"']/g, (c) => ESC[c]) : s);
  const units = ['a', 'Z', '0', ' ', '\t', '\n', '&', '<', '>', '"', "'", '\u00a0', '\u3000', '\u00e9', '\u4e2d', '\ud83d', '\ude00', '\u{1f600}', '\u0085', '\uffff'];
  let seed = 7;
  const rnd = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n; // (the low bits of this generator repeat with a short period)
  };
  for (let k = 0; k < 3000; k++) {
    const len = rnd(k % 10 === 0 ? 300 : 40);
    let s = '';
    // Runs of printable ASCII (read two characters at a time) among the other units.
    while (s.length < len) s += rnd(2) === 0 ? units[rnd(units.length)] : 'abcdefghijklmnopqrstuvwxyz0123456789-.:'.slice(0, 1 + rnd(30));
    s = s.slice(0, len);
    // The UTF-16 bytes at an odd or even offset, with printable text around them (a read past either end would
    // show); and read up to the first NUL, followed by a NUL and more text.
    const at = rnd(3);
    const host = Buffer.concat([Buffer.alloc(at, 0x41), Buffer.from(s + 'xy', 'utf16le')]);
    const hostNul = Buffer.concat([Buffer.alloc(at, 0x41), Buffer.from(s + '\0xy', 'utf16le')]);
    for (const mode of [0, TEXT, ATTR]) {
      const expected = Buffer.from(escape(s, mode), 'utf8');
      const w = new XmlByteWriter(false, 1);
      const nb = w.utf16(host, at, s.length, mode);
      assert.deepEqual(w.buf.subarray(0, w.len), expected, `utf16 ${JSON.stringify(s)}`);
      assert.equal(nb, s.trim() !== '', `utf16 blank ${JSON.stringify(s)}`);
      const wz = new XmlByteWriter(false, 1);
      assert.equal(wz.utf16(hostNul, at, s.length + 3, mode, true), s.trim() !== '');
      assert.deepEqual(wz.buf.subarray(0, wz.len), expected, `utf16 up to NUL ${JSON.stringify(s)}`);
      const w2 = new XmlByteWriter(false, 1);
      const nb2 = w2.utf8(s, mode);
      assert.deepEqual(w2.buf.subarray(0, w2.len), expected, `utf8 ${JSON.stringify(s)}`);
      assert.equal(nb2, s.trim() !== '', `utf8 blank ${JSON.stringify(s)}`);
    }
    // Code page 1252 bytes (no NUL), decoded as values.ts decodes them.
    const bytes = Uint8Array.from({ length: len }, () => 1 + rnd(255));
    const text = renderScalar(bytes, 0, bytes.length, VT_ANSI) ?? '';
    const w3 = new XmlByteWriter(false, 1);
    const nb3 = w3.ansi(bytes, 0, bytes.length, ATTR);
    assert.deepEqual(w3.buf.subarray(0, w3.len), Buffer.from(escape(text, ATTR), 'utf8'));
    assert.equal(nb3, text.trim() !== '');
  }
});

test('the limit holds whatever the buffer size, before and after it grows', () => {
  const w = new XmlByteWriter(false, 16);
  w.limit = 40;
  w.ascii('x'.repeat(30)); // (grows the buffer)
  w.ascii('y'.repeat(10));
  assert.equal(w.len, 40);
  assert.throws(() => w.byte(0x7a), /passes 40 bytes/);
  w.limit = Infinity;
  w.ascii('z'.repeat(1000));
  assert.equal(w.len, 1040);
  w.truncate(0);
  w.limit = 8;
  assert.throws(() => w.ascii('123456789'), /passes 8 bytes/);
});
