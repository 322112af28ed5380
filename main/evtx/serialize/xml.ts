/**
 * Event XML as Windows renders it (Event Viewer's XML view / evtxexport layout): the same
 * element and attribute names, two-space indentation, `&amp; &lt; &gt;` escaped in text and
 * `&quot; &apos;` too in attributes, empty elements as `<Name/>`, times with 100 ns precision.
 * Same output as shared/model/event-xml's serializeXml, written for the import hot path (each
 * imported event keeps its XML as text). The XML fast path writes the same layout straight to
 * bytes (xml-writer.ts, record-xml.ts); a test holds the two to the same output on every record
 * of the corpus. Strings joined here cost less than bytes encoded one by one in JavaScript.
 */
import type { XmlElement, XmlNode } from '../../../shared/model/event-xml';

const TEXT_SPECIAL = /[&<>]/;
const ATTR_SPECIAL = /[&<>"']/;

function escText(s: string): string {
  if (!TEXT_SPECIAL.test(s)) return s;
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escAttr(s: string): string {
  if (!ATTR_SPECIAL.test(s)) return s;
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

const INDENTS: string[] = [''];
function indentOf(depth: number, step: string): string {
  if (step === '') return '';
  while (INDENTS.length <= depth) INDENTS.push(INDENTS[INDENTS.length - 1] + '  ');
  return INDENTS[depth];
}

let out = '';

function write(el: XmlElement, depth: number, step: string, nl: string): void {
  const indent = indentOf(depth, step);
  out += indent + '<' + el.name;
  const attrs = el.attrs;
  for (let i = 0; i < attrs.length; i++) out += ' ' + attrs[i][0] + '="' + escAttr(attrs[i][1]) + '"';
  const ch: XmlNode[] = el.children;
  const n = ch.length;
  if (n === 0) {
    out += '/>';
    return;
  }
  let onlyText = true;
  for (let i = 0; i < n; i++)
    if (typeof ch[i] !== 'string') {
      onlyText = false;
      break;
    }
  if (onlyText) {
    out += '>' + escText(n === 1 ? (ch[0] as string) : (ch as string[]).join('')) + '</' + el.name + '>';
    return;
  }
  out += '>';
  for (let i = 0; i < n; i++) {
    const c = ch[i];
    if (typeof c === 'string') {
      if (c.trim() !== '') out += escText(c);
    } else {
      out += nl;
      write(c, depth + 1, step, nl);
    }
  }
  out += nl + indent + '</' + el.name + '>';
}

function render(tree: XmlElement, step: string, nl: string): string {
  out = '';
  write(tree, 0, step, nl);
  const s = out;
  out = '';
  return s;
}

/** One record's XML (no XML declaration), indented. */
export function recordToXml(tree: XmlElement): string {
  return render(tree, '  ', '\n');
}

/** One record's XML on a single line (for the `raw` field of imported events). */
export function recordToXmlCompact(tree: XmlElement): string {
  return render(tree, '', '');
}
