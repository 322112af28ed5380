/**
 * Event Viewer "Save as XML" and `wevtutil qe /f:xml` exports: a sequence of <Event>
 * elements, with or without an <Events> root, with RenderingInfo, EventData or UserData.
 * Each <Event> is cut out of the stream and parsed on its own with fast-xml-parser, so one
 * malformed event is rejected with its position and the rest still import. DOCTYPEs are
 * skipped, never processed: no entity from the evidence is ever expanded.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { XmlElement, XmlNode } from '../../../shared/model/event-xml';
import { child, eventFromXml } from '../../../shared/model/event-xml';
import type { EvidenceInput, EvidenceParser, RecordSink } from '../evidence-parser';
import { splitRecords, type FindResult, type Span } from '../record-splitter';
import { decodeText, detectEncoding } from '../text-stream';

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  // References are decoded here (decodeReferences), not by the parser: it dropped references to
  // control characters (&#x1; as Windows writes them) and decoded HTML names XML does not define.
  processEntities: false,
  htmlEntities: false,
  cdataPropName: '#cdata',
  ignoreDeclaration: true,
  ignorePiTags: true,
});

const REFERENCE = /&(?:#x([0-9a-fA-F]{1,6})|#([0-9]{1,7})|(amp|lt|gt|quot|apos));/g;
const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/**
 * Character references and XML's five predefined entities decoded, every character as written:
 * control characters too (evidence text; as raw ones are kept). A reference to no character
 * (a surrogate, past U+10FFFF) and any other name (HTML's &nbsp;, which XML does not define, and
 * which this importer never expands) are kept as they are written.
 */
export function decodeReferences(s: string): string {
  if (s.indexOf('&') < 0) return s;
  return s.replace(REFERENCE, (ref: string, hex: string | undefined, dec: string | undefined, name: string | undefined) => {
    if (name !== undefined) return PREDEFINED[name];
    const cp = hex !== undefined ? parseInt(hex, 16) : Number(dec);
    return cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ? ref : String.fromCodePoint(cp);
  });
}

type OrderedNode = Record<string, unknown>;

/** fast-xml-parser's ordered output onto our XmlElement IR. */
function toElement(node: OrderedNode): XmlElement | null {
  for (const key of Object.keys(node)) {
    if (key === ':@' || key === '#text') continue;
    const attrsObj = (node[':@'] ?? {}) as Record<string, unknown>;
    const attrs: Array<[string, string]> = Object.entries(attrsObj).map(([k, v]) => [k, decodeReferences(String(v))]);
    const children: XmlNode[] = [];
    for (const c of (node[key] as OrderedNode[]) ?? []) {
      if ('#text' in c) children.push(decodeReferences(String(c['#text'])));
      else if ('#cdata' in c) {
        // CDATA holds its text as written: no reference in it is decoded.
        for (const t of (c['#cdata'] as OrderedNode[]) ?? []) if ('#text' in t) children.push(String(t['#text']));
      } else {
        const el = toElement(c);
        if (el) children.push(el);
      }
    }
    return { name: key, attrs, children };
  }
  return null;
}

/** Parse one <Event>…</Event> fragment into the IR; throws with a positioned message when malformed. */
export function parseEventXml(fragment: string): XmlElement {
  const v = XMLValidator.validate(fragment, { allowBooleanAttributes: false });
  if (v !== true) throw new Error(`${v.err.msg} (event line ${v.err.line}, column ${v.err.col})`);
  const out = parser.parse(fragment) as OrderedNode[];
  for (const n of out) {
    const el = toElement(n);
    if (el) return el;
  }
  throw new Error('no element');
}

function isNameEnd(c: string | undefined): boolean {
  return c === undefined || c === '>' || c === '/' || c === ' ' || c === '\t' || c === '\r' || c === '\n';
}

/**
 * What ends an <Event> begun earlier: its </Event>, or, when it was cut off before it, the next
 * <Event> start or the <Events> root's tag (events never nest, so either means the event ends
 * unfinished there; without this a cut event took the next whole one with it as one
 * malformed record).
 */
const EVENT_END = /(<\/Event\s*>)|<Events?(?=[\s/>])|<\/Events(?=[\s>])/g;

/**
 * Finds the next <Event> element; declarations, comments, DOCTYPE and the <Events> root are
 * filler. An event cut off before its </Event> is returned as cut, up to where the next begins.
 */
export function findXmlEvent(buf: string, from: number, atEnd: boolean): FindResult {
  let i = from;
  for (;;) {
    const lt = buf.indexOf('<', i);
    const textEnd = lt < 0 ? buf.length : lt;
    if (buf.slice(i, textEnd).trim() !== '') return { kind: 'garbage', start: i, end: textEnd };
    if (lt < 0) return atEnd ? { kind: 'done' } : { kind: 'need-more', keepFrom: buf.length };
    if (buf.length - lt < 16 && !atEnd) return { kind: 'need-more', keepFrom: lt };
    const skipTo = (close: string): number => {
      const e = buf.indexOf(close, lt);
      return e < 0 ? -1 : e + close.length;
    };
    let next = -1;
    if (buf.startsWith('<?', lt)) next = skipTo('?>');
    else if (buf.startsWith('<!--', lt)) next = skipTo('-->');
    else if (buf.startsWith('<!', lt)) next = skipTo('>');
    else if (buf.startsWith('</Events', lt) || (buf.startsWith('<Events', lt) && isNameEnd(buf[lt + 7]))) next = skipTo('>');
    else if (buf.startsWith('<Event', lt) && isNameEnd(buf[lt + 6])) {
      const gt = buf.indexOf('>', lt + 6);
      if (gt > 0 && buf[gt - 1] === '/' && buf.lastIndexOf('<', gt) === lt) return { kind: 'record', start: lt, end: gt + 1 }; // <Event/>
      EVENT_END.lastIndex = lt + 6;
      const m = EVENT_END.exec(buf);
      if (!m) return { kind: 'need-more', keepFrom: lt };
      if (m[1]) return { kind: 'record', start: lt, end: m.index + m[0].length };
      return { kind: 'cut', start: lt, end: m.index, by: m[0] };
    } else {
      // Some other element: garbage up to the next tag.
      const nextLt = buf.indexOf('<', lt + 1);
      if (nextLt < 0 && !atEnd) return { kind: 'need-more', keepFrom: lt };
      return { kind: 'garbage', start: lt, end: nextLt < 0 ? buf.length : nextLt };
    }
    if (next < 0) return atEnd ? { kind: 'garbage', start: lt, end: buf.length } : { kind: 'need-more', keepFrom: lt };
    i = next;
  }
}

function looksLikeXmlEvents(head: Uint8Array): boolean {
  const { encoding, bomLength } = detectEncoding(head);
  const text = new TextDecoder(encoding).decode(head.subarray(bomLength, Math.min(head.length, 65536)));
  if (!text.trimStart().startsWith('<')) return false;
  return /<Event[\s>]/.test(text) || /<Events[\s>]/.test(text);
}

export const xmlEventsParser: EvidenceParser = {
  format: 'xml-events',
  sniff: looksLikeXmlEvents,
  async parse(input: EvidenceInput, sink: RecordSink): Promise<void> {
    const refBase = { sourceId: input.sourceId, sourcePath: input.path, archivePath: input.archivePath };
    let count = 0;
    const position = (s: Span) => ({ offset: s.byteOffset, recordNumber: s.line });
    await splitRecords(
      decodeText(input.stream(), (off) => sink.error(`invalid text encoding at byte offset ${off}`)),
      findXmlEvent,
      {
        record(s) {
          let tree: XmlElement;
          try {
            tree = parseEventXml(s.text);
          } catch (e) {
            sink.reject({ ...position(s), reason: `malformed XML event at line ${s.line}: ${(e as Error).message}` });
            return;
          }
          if (!child(tree, 'System')) {
            sink.reject({ ...position(s), reason: `XML event at line ${s.line} has no <System>: not an event record` });
            return;
          }
          sink.accept(eventFromXml(tree, { ...refBase, recordNumber: s.line, offset: s.byteOffset }, s.text));
          if (++count % 2000 === 0) sink.progress(s.byteOffset);
        },
        garbage(s) {
          sink.reject({ ...position(s), reason: `unexpected content at line ${s.line}: ${JSON.stringify(s.text.slice(0, 60))}` });
        },
        truncated(s) {
          sink.reject({ ...position(s), reason: `truncated XML event at line ${s.line} (byte offset ${s.byteOffset}): cut off before </Event> by the end of the file` });
        },
        cut(s, by) {
          const at = s.line + (s.text.match(/\n/g)?.length ?? 0);
          const what = by.startsWith('</') ? `the export's closing ${by}>` : by === '<Event' ? 'the next <Event>' : `an ${by}> root`;
          sink.reject({ ...position(s), reason: `truncated XML event at line ${s.line} (byte offset ${s.byteOffset}): cut off before </Event>; ${what} begins at line ${at}` });
        },
        oversized(s) {
          sink.reject({ ...position(s), reason: `XML event over the size limit at line ${s.line}` });
        },
      },
    );
  },
};
