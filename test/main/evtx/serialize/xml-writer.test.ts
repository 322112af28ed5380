/** The streaming XML writer's layout rules: the element tree form of Windows' event XML. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { ATTR, TEXT, XmlByteWriter } from '../../../../main/evtx/serialize/xml-writer';
import type { XmlElement } from '../../../../shared/model/event-xml';

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

test('elements rendered ahead (beginFragment) are placed at their depth with childBytes', () => {
  const ahead = new XmlByteWriter(true);
  ahead.beginFragment(2);
  ahead.writeElement(el('C', ['x']));
  ahead.writeElement(el('D'));
  const w = new XmlByteWriter(true);
  w.open('A');
  w.open('B');
  w.text('  '); // a blank run, dropped once a child element follows
  w.childBytes(ahead.buf, 0, ahead.len);
  w.close();
  w.close();
  assert.equal(w.buf.toString('utf8', 0, w.len), '<A>\n  <B>\n    <C>x</C>\n    <D/>\n  </B>\n</A>');
  assert.equal(w.openElements, 0);
});

test('nodes are counted as a tree holds them (elements and text runs)', () => {
  const w = new XmlByteWriter(true);
  w.writeElement(el('A', ['a', 'b', el('B', ['c']), 'd']));
  // A, "ab", B, "c", "d"
  assert.equal(w.nodes, 5);
});
