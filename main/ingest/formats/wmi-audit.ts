/**
 * Audit output of root\subscription saved by an analyst or a collection script:
 *   Get-WmiObject -Namespace root\subscription -Class __EventFilter | Format-List *   (text)
 *   ... | Export-Csv                                                                   (CSV)
 *   ... | ConvertTo-Json                                                               (JSON)
 * and the Get-CimInstance equivalents. One NormalizedEvent per object: channel WMI-Audit,
 * provider Get-WmiObject, event ID 0, data = the object's properties, computer from
 * __SERVER / PSComputerName. Content decides (sniff), never the file name. Every value is
 * evidence text: kept as is, never interpreted.
 */
import { ownField, setField, type EventFields, type NormalizedEvent } from '../../../shared/model/event';
import type { EvidenceInput, EvidenceParser, RecordSink } from '../evidence-parser';
import { parseJsonExact } from '../json-exact';

export const WMI_AUDIT_CHANNEL = 'WMI-Audit';
const MAX_BYTES = 256 * 1024 * 1024;

const CLASS_RE = /__EventFilter|EventConsumer|__FilterToConsumerBinding|__TimerInstruction|__IntervalTimerInstruction|__AbsoluteTimerInstruction/;

function decode(bytes: Uint8Array): string {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length >= 2 && b[0] === 0xff && b[1] === 0xfe) return b.subarray(2).toString('utf16le');
  if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) {
    const c = Buffer.from(b.subarray(2));
    c.swap16();
    return c.toString('utf16le');
  }
  if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return b.subarray(3).toString('utf8');
  // UTF-16LE without BOM: many zero bytes at odd offsets.
  let zeros = 0;
  const n = Math.min(b.length, 4096);
  for (let i = 1; i < n; i += 2) if (b[i] === 0) zeros++;
  if (n > 16 && zeros > n / 4) return b.subarray(0, b.length - (b.length % 2)).toString('utf16le');
  return b.toString('utf8');
}

type Shape = 'list' | 'csv' | 'json';

function shapeOf(text: string): Shape | null {
  const t = text.replace(/^\uFEFF/, '').trimStart();
  if (!CLASS_RE.test(t)) return null;
  if (t.startsWith('{') || t.startsWith('[')) {
    return /"(__CLASS|__RELPATH|CimClass|CimSystemProperties|PSComputerName)"\s*:/.test(t) ? 'json' : null;
  }
  const firstLines = t.split(/\r?\n/, 3);
  if (/^#TYPE\s/i.test(firstLines[0]) || /^"?__GENUS"?\s*,|^"?[A-Za-z_]\w*"?\s*,.*"?__CLASS"?|,"?(Name|Query|PSComputerName)"?,/.test(firstLines[0])) return 'csv';
  if (/^(__GENUS|__CLASS|__SERVER|__PATH|PSComputerName|Name|Query|CimClass|CreatorSID|EventNamespace|Filter|Consumer|CommandLineTemplate)\s*:/m.test(t) &&
    /^(__CLASS\s*:|CimClass\s*:|__RELPATH\s*:)/m.test(t)) return 'list';
  return null;
}

// --- Format-List text ----------------------------------------------------------------

interface RawObject {
  props: EventFields;
  raw: string;
  offset: number;
}

function parseList(text: string): RawObject[] {
  const out: RawObject[] = [];
  const lines = text.split(/\r?\n/);
  let cur: { props: EventFields; lines: string[]; offset: number } | null = null;
  let lastKey: string | null = null;
  let valueCol = 0;
  let pos = 0;
  const flush = () => {
    if (cur && Object.keys(cur.props).length) out.push({ props: cur.props, raw: cur.lines.join('\n'), offset: cur.offset });
    cur = null;
    lastKey = null;
  };
  for (const line of lines) {
    const lineStart = pos;
    pos += line.length + 1;
    if (line.trim() === '') {
      flush();
      continue;
    }
    const m = /^([A-Za-z_][\w.]*)(\s*):\s?(.*)$/.exec(line);
    if (m && !/^\s/.test(line)) {
      if (!cur) cur = { props: {}, lines: [], offset: lineStart };
      // A repeated __GENUS/__CLASS starts a new object even without a blank line.
      if ((m[1] === '__GENUS' && cur.props.__GENUS !== undefined) || (m[1] === '__CLASS' && cur.props.__CLASS !== undefined)) {
        flush();
        cur = { props: {}, lines: [], offset: lineStart };
      }
      cur.lines.push(line);
      setField(cur.props, m[1], m[3].replace(/\s+$/, ''));
      lastKey = m[1];
      valueCol = line.length - m[3].length;
    } else if (cur && lastKey) {
      // Continuation of a wrapped value: drop the alignment indent only.
      cur.lines.push(line);
      const indent = /^\s*/.exec(line)![0].length;
      const cont = line.slice(Math.min(indent, valueCol)).replace(/\s+$/, '');
      const prev = ownField(cur.props, lastKey) ?? '';
      setField(cur.props, lastKey, (typeof prev === 'string' ? prev : prev.join(', ')) + cont);
    }
  }
  flush();
  return out;
}

// --- CSV -----------------------------------------------------------------------------

function parseCsvRows(text: string): Array<{ cells: string[]; offset: number; raw: string }> {
  const rows: Array<{ cells: string[]; offset: number; raw: string }> = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const start = i;
    const cells: string[] = [];
    let cell = '';
    let inQ = false;
    for (; i < n; i++) {
      const c = text[i];
      if (inQ) {
        if (c === '"') {
          if (text[i + 1] === '"') {
            cell += '"';
            i++;
          } else inQ = false;
        } else cell += c;
      } else if (c === '"') inQ = true;
      else if (c === ',') {
        cells.push(cell);
        cell = '';
      } else if (c === '\n' || c === '\r') {
        if (c === '\r' && text[i + 1] === '\n') i++;
        i++;
        break;
      } else cell += c;
    }
    cells.push(cell);
    const raw = text.slice(start, i).replace(/\r?\n$/, '');
    if (!(cells.length === 1 && cells[0] === '')) rows.push({ cells, offset: start, raw });
  }
  return rows;
}

function parseCsv(text: string): RawObject[] {
  const rows = parseCsvRows(text);
  let header: string[] | null = null;
  const out: RawObject[] = [];
  let typeHint: string | undefined;
  for (const r of rows) {
    if (r.cells.length === 1 && /^#TYPE\s/i.test(r.cells[0])) {
      typeHint = r.cells[0].replace(/^#TYPE\s+/i, '');
      header = null;
      continue;
    }
    if (!header) {
      header = r.cells.map((h) => h.trim());
      continue;
    }
    const props: EventFields = {};
    header.forEach((h, k) => {
      if (h && r.cells[k] !== undefined) setField(props, h, r.cells[k]);
    });
    if (props.__CLASS === undefined && typeHint) {
      const m = /[\\/:#]([A-Za-z_]\w*)$/.exec(typeHint);
      if (m && CLASS_RE.test(m[1])) props.__CLASS = m[1];
    }
    out.push({ props, raw: r.raw, offset: r.offset });
  }
  return out;
}

// --- JSON ----------------------------------------------------------------------------

function scalar(v: unknown): string | string[] | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'object' && x !== null ? JSON.stringify(x) : String(x)));
  return undefined;
}

function parseJson(text: string): { objects: RawObject[]; error?: string } {
  let v: unknown;
  try {
    v = parseJsonExact(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    return { objects: [], error: `invalid JSON: ${(e as Error).message}` };
  }
  const list = Array.isArray(v) ? v : [v];
  const objects: RawObject[] = [];
  list.forEach((o) => {
    if (!o || typeof o !== 'object' || Array.isArray(o)) return;
    const src = o as Record<string, unknown>;
    const props: EventFields = {};
    for (const [k, x] of Object.entries(src)) {
      const s = scalar(x);
      if (s !== undefined) setField(props, k, s);
    }
    // Get-CimInstance | ConvertTo-Json: class and server live in nested objects.
    const sys = src.CimSystemProperties as Record<string, unknown> | undefined;
    const cc = src.CimClass as Record<string, unknown> | string | undefined;
    if (props.__CLASS === undefined) {
      const cls =
        (sys && typeof sys.ClassName === 'string' ? sys.ClassName : undefined) ??
        (typeof cc === 'string' ? cc.split(':').pop() : cc && typeof cc.CimClassName === 'string' ? cc.CimClassName : undefined);
      if (cls) props.__CLASS = cls;
    }
    if (props.__SERVER === undefined && sys && typeof sys.ServerName === 'string') props.__SERVER = sys.ServerName;
    if (props.__NAMESPACE === undefined && sys && typeof sys.Namespace === 'string') props.__NAMESPACE = sys.Namespace;
    // Bindings from CIM carry Filter/Consumer as nested instances.
    for (const key of ['Filter', 'Consumer']) {
      const ref = src[key];
      if (ref && typeof ref === 'object' && !Array.isArray(ref)) {
        const r = ref as Record<string, unknown>;
        const rs = r.CimSystemProperties as Record<string, unknown> | undefined;
        const cls = (rs && typeof rs.ClassName === 'string' ? rs.ClassName : undefined) ?? (typeof r.__CLASS === 'string' ? r.__CLASS : undefined);
        const name = typeof r.Name === 'string' ? r.Name : undefined;
        if (cls && name !== undefined) props[key] = `${cls}.Name="${name}"`;
      }
    }
    objects.push({ props, raw: JSON.stringify(o), offset: 0 });
  });
  return { objects };
}

// --- the parser ----------------------------------------------------------------------

function computerOf(p: EventFields): string {
  const v = p.__SERVER ?? p.PSComputerName ?? p.MachineName ?? '';
  return typeof v === 'string' ? v : (v[0] ?? '');
}

export function wmiAuditObjects(text: string): { objects: RawObject[]; shape: Shape | null; error?: string } {
  const shape = shapeOf(text);
  if (shape === 'list') return { objects: parseList(text), shape };
  if (shape === 'csv') return { objects: parseCsv(text), shape };
  if (shape === 'json') return { shape, ...parseJson(text) };
  return { objects: [], shape: null, error: 'not root\\subscription audit output' };
}

export const wmiAuditParser: EvidenceParser = {
  format: 'wmi-audit',
  sniff(head: Uint8Array): boolean {
    return shapeOf(decode(head)) !== null;
  },
  async parse(input: EvidenceInput, sink: RecordSink): Promise<void> {
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const c of input.stream()) {
      size += c.byteLength;
      if (size > MAX_BYTES) {
        sink.error(`file larger than ${MAX_BYTES} bytes; audit output is read whole`);
        return;
      }
      chunks.push(c);
      sink.progress(size);
    }
    const text = decode(Buffer.concat(chunks));
    const { objects, error } = wmiAuditObjects(text);
    if (error && objects.length === 0) {
      sink.error(error);
      return;
    }
    objects.forEach((o, i) => {
      const cls = o.props.__CLASS;
      if (cls === undefined || (typeof cls === 'string' && cls.trim() === '')) {
        sink.reject({ recordNumber: i + 1, offset: o.offset, reason: 'object without __CLASS / CimClass' });
        return;
      }
      const ev: NormalizedEvent = {
        timeCreated: '',
        channel: WMI_AUDIT_CHANNEL,
        provider: 'Get-WmiObject',
        eventId: 0,
        recordId: null,
        computer: computerOf(o.props),
        userSid: null,
        level: null,
        task: null,
        opcode: null,
        keywords: null,
        processId: null,
        threadId: null,
        data: o.props,
        message: null,
        raw: o.raw,
        recovered: false,
        ref: { sourceId: input.sourceId, sourcePath: input.path, archivePath: input.archivePath, recordNumber: i + 1, offset: o.offset },
      };
      if (ev.ref.archivePath === undefined) delete ev.ref.archivePath;
      sink.accept(ev);
    });
  },
};
