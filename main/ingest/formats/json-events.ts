/**
 * JSON and JSON-lines event exports, streamed: evtx_dump-style nested records
 * (`{"Event":{"System":…,"EventData":…}}`, also its pretty-printed `Record N` output and
 * JSON arrays), flat NXLog/Mordor records (`Channel`, `EventID`, `Hostname`, `EventTime`,
 * one key per field) and Winlogbeat/ECS (`winlog.channel`, `winlog.event_data`). The shape
 * is decided per record, so mixed files import too.
 */
import { setField, type EvidenceRef, type EventFields, type NormalizedEvent } from '../../../shared/model/event';
import { eventFromXml, noteUnreadTime, normalizeUtcTime } from '../../../shared/model/event-xml';
import { isoAt, parseTimeText, utcMsOf, type TimeText } from '../../../shared/model/time-text';
import type { EvidenceFormat } from '../../../shared/model/ledger';
import type { EvidenceInput, EvidenceParser, RecordSink } from '../evidence-parser';
import { splitRecords, type FindResult, type Span } from '../record-splitter';
import { parseJsonExact } from '../json-exact';
import { LocalTimeResolver, type UtcReference } from '../local-time';
import { decodeText, detectEncoding, encodedLength } from '../text-stream';
import { addSysmonFieldsFromEcs } from './ecs-sysmon';
import { xmlTreeFromEvtxDump } from './evtx-dump-json';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export type JsonShape = 'json-evtx-dump' | 'json-flat' | 'json-ecs';

export function jsonShapeOf(o: Obj): JsonShape | null {
  if (isObj(o.Event) && isObj((o.Event as Obj).System)) return 'json-evtx-dump';
  if (isObj(o.System) && ('EventData' in o || 'UserData' in o || isObj((o.System as Obj).EventID) || 'EventID' in (o.System as Obj))) return 'json-evtx-dump';
  if (isObj(o.winlog) && ('event_id' in (o.winlog as Obj) || 'channel' in (o.winlog as Obj))) return 'json-ecs';
  if ('EventID' in o && ('Channel' in o || 'SourceName' in o)) return 'json-flat';
  return null;
}

const toStr = (v: unknown): string => (v === null || v === undefined ? '' : typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v));
const toNum = (v: unknown): number | null => {
  if (v === null || v === undefined || v === '') return null;
  const n = typeof v === 'number' ? v : Number(String(v).trim());
  return Number.isFinite(n) ? n : null;
};

/** The fields of `o` but those in `skip`, as text, added to `out`. */
function fieldsFrom(o: Obj, skip: ReadonlySet<string>, out: EventFields = {}): EventFields {
  for (const [k, v] of Object.entries(o)) {
    if (skip.has(k) || v === undefined) continue;
    setField(out, k, Array.isArray(v) ? v.map(toStr) : toStr(v));
  }
  return out;
}

/** NXLog's own keys; everything else in a flat record is an event field. */
const NXLOG_META = new Set([
  'EventTime', 'TimeCreated', 'EventReceivedTime', '@timestamp', '@version', 'tags', 'host', 'port', 'Hostname', 'Keywords', 'EventType',
  'SeverityValue', 'Severity', 'SourceName', 'ProviderGuid', 'Version', 'Task', 'OpcodeValue', 'Opcode', 'RecordNumber',
  'ActivityID', 'RelatedActivityID', 'ExecutionProcessID', 'ThreadID', 'Channel', 'Category', 'Message', 'EventID',
  'SourceModuleName', 'SourceModuleType', 'EventTypeOrignal', 'UserID',
]);
/** NXLog resolves System/Security/@UserID into these; they are not event fields when UserID is present. */
const NXLOG_META_WITH_USER = new Set([...NXLOG_META, 'AccountName', 'AccountType', 'Domain']);
/** NXLog severity (1 debug … 5 critical) to the Windows level it was mapped from. */
const NXLOG_LEVEL: Record<number, number> = { 1: 5, 2: 4, 3: 3, 4: 2, 5: 1 };

/** The shipper's @timestamp (Winlogbeat, NXLog through Logstash), or undefined. */
function shippedAt(o: Obj): string | undefined {
  return o['@timestamp'] == null ? undefined : toStr(o['@timestamp']);
}

/** NXLog's EventTime (TimeCreated in some pipelines), or undefined when the record has neither. */
function flatTimeText(o: Obj): string | undefined {
  const v = o.EventTime ?? o.TimeCreated;
  return v === undefined || v === null ? undefined : toStr(v);
}

/**
 * The best UTC time of the record's own moment a flat record carries: Sysmon's UtcTime (UTC
 * by definition), else EventReceivedTime when written with a zone (NXLog writes it zone-less
 * in local time, like EventTime: then it tells nothing about UTC), else the shipper's
 * @timestamp (UTC; it lags the event by the shipping delay). Null when none reads.
 */
function flatReference(o: Obj): UtcReference | null {
  const read = (field: string, needZone: boolean): UtcReference | null => {
    const v = o[field];
    if (v === undefined || v === null) return null;
    const t = parseTimeText(toStr(v));
    return t && (!needZone || t.zoneMs !== null) ? { ms: utcMsOf(t), field } : null;
  };
  return read('UtcTime', false) ?? read('EventReceivedTime', true) ?? read('@timestamp', false);
}

/**
 * NXLog's EventTime (TimeCreated in some pipelines) is the host's local time without a
 * zone; the time set here is provisional (empty) and the parser puts it in UTC. A record
 * with neither has the shipper's @timestamp.
 */
function fromFlat(o: Obj, ref: EvidenceRef, raw: string): NormalizedEvent {
  const skip = 'UserID' in o ? NXLOG_META_WITH_USER : NXLOG_META;
  const sev = toNum(o.SeverityValue);
  const timeText = flatTimeText(o);
  const shipped = shippedAt(o);
  const e: NormalizedEvent = {
    timeCreated: timeText === undefined ? normalizeUtcTime(shipped) : '',
    channel: toStr(o.Channel),
    provider: toStr(o.SourceName),
    eventId: toNum(o.EventID) ?? -1,
    recordId: toNum(o.RecordNumber),
    computer: toStr(o.Hostname),
    userSid: o.UserID === undefined ? null : toStr(o.UserID),
    level: sev === null ? null : NXLOG_LEVEL[sev] ?? null,
    task: toNum(o.Task),
    opcode: toNum(o.OpcodeValue),
    keywords: o.Keywords === undefined ? null : toStr(o.Keywords),
    processId: toNum(o.ExecutionProcessID),
    threadId: toNum(o.ThreadID),
    data: fieldsFrom(o, skip),
    message: o.Message === undefined ? null : toStr(o.Message),
    raw,
    recovered: false,
    ref,
  };
  return timeText === undefined ? noteUnreadTime(e, shipped) : e;
}

const NO_SKIP: ReadonlySet<string> = new Set();

const isSysmon = (provider: string, channel: string): boolean =>
  provider.toLowerCase() === 'microsoft-windows-sysmon' || channel.toLowerCase() === 'microsoft-windows-sysmon/operational';

/** Winlogbeat/ECS: winlog.* is the event; a Sysmon record's fields that Winlogbeat moved to ECS fields are read back (ecs-sysmon.ts). */
function fromEcs(o: Obj, ref: EvidenceRef, raw: string): NormalizedEvent {
  const w = o.winlog as Obj;
  const proc = isObj(w.process) ? w.process : {};
  const thread = isObj(proc.thread) ? proc.thread : {};
  const user = isObj(w.user) ? w.user : {};
  const log = isObj(o.log) ? o.log : {};
  // One object built field by field: fields added to a spread copy cost V8 ten times as much.
  const data: EventFields = {};
  if (isObj(w.event_data)) fieldsFrom(w.event_data, NO_SKIP, data);
  if (isObj(w.user_data)) fieldsFrom(w.user_data, NO_SKIP, data);
  if (isSysmon(toStr(w.provider_name), toStr(w.channel))) addSysmonFieldsFromEcs(o, toNum(w.event_id) ?? -1, data);
  const levelName = toStr(log.level).toLowerCase();
  const LEVELS: Record<string, number> = { critical: 1, error: 2, warning: 3, information: 4, info: 4, verbose: 5 };
  const kw = w.keywords;
  const shipped = shippedAt(o);
  return noteUnreadTime({
    timeCreated: normalizeUtcTime(shipped),
    channel: toStr(w.channel),
    provider: toStr(w.provider_name),
    eventId: toNum(w.event_id) ?? -1,
    recordId: toNum(w.record_id),
    computer: toStr(w.computer_name) || toStr(isObj(o.host) ? (o.host as Obj).name : ''),
    userSid: user.identifier === undefined ? null : toStr(user.identifier),
    level: LEVELS[levelName] ?? null,
    task: null,
    opcode: null,
    keywords: kw === undefined ? null : Array.isArray(kw) ? kw.map(toStr).join(', ') : toStr(kw),
    processId: toNum(proc.pid),
    threadId: toNum(thread.id),
    data,
    message: o.message === undefined ? null : toStr(o.message),
    raw,
    recovered: false,
    ref,
  }, shipped);
}

/** Normalize one parsed JSON record; null when it is not an event record of a known shape. */
export function eventFromJson(o: unknown, ref: EvidenceRef, raw: string): { event: NormalizedEvent; shape: JsonShape } | null {
  if (!isObj(o)) return null;
  const shape = jsonShapeOf(o);
  if (shape === 'json-evtx-dump') return { event: eventFromXml(xmlTreeFromEvtxDump(o), ref, raw), shape };
  if (shape === 'json-ecs') return { event: fromEcs(o, ref, raw), shape };
  if (shape === 'json-flat') return { event: fromFlat(o, ref, raw), shape };
  return null;
}

const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const QUOTE = 34;
const BACKSLASH = 92;

/**
 * Finds one top-level JSON object; whitespace, commas, array brackets and `Record N` lines are
 * filler. (Never a cut record: a broken one is salvaged line by line after JSON.parse fails.)
 */
export function findJsonRecord(buf: string, from: number, atEnd: boolean): Exclude<FindResult, { kind: 'cut' }> {
  let i = from;
  const n = buf.length;
  for (;;) {
    while (i < n) {
      const c = buf.charCodeAt(i);
      if (c === 32 || c === 10 || c === 13 || c === 9 || c === 44 || c === OPEN_BRACKET || c === CLOSE_BRACKET || c === 0xfeff) i++;
      else break;
    }
    if (i >= n) return atEnd ? { kind: 'done' } : { kind: 'need-more', keepFrom: n };
    if (buf.charCodeAt(i) === OPEN_BRACE) break;
    const nl = buf.indexOf('\n', i);
    if (nl < 0 && !atEnd) return { kind: 'need-more', keepFrom: i };
    const end = nl < 0 ? n : nl + 1;
    if (/^Record \d+\s*$/.test(buf.slice(i, end))) {
      i = end;
      continue;
    }
    return { kind: 'garbage', start: i, end };
  }
  const start = i;
  let depth = 0;
  let inString = false;
  for (; i < n; i++) {
    const c = buf.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
    else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      if (--depth === 0) return { kind: 'record', start, end: i + 1 };
    }
  }
  return { kind: 'need-more', keepFrom: start };
}

/**
 * Split a whole text holding one JSON value, JSON lines, arrays or several pretty-printed
 * values one after another (as evtx_dump writes them) into the values, with the same
 * record finder the streaming parser uses. Unparseable stretches are reported.
 */
export function splitJsonValues(text: string): { values: unknown[]; errors: Array<{ offset: number; reason: string }> } {
  const values: unknown[] = [];
  const errors: Array<{ offset: number; reason: string }> = [];
  for (let pos = 0; ; ) {
    const r = findJsonRecord(text, pos, true);
    if (r.kind === 'done') break;
    if (r.kind === 'need-more') {
      errors.push({ offset: r.keepFrom, reason: 'truncated JSON value: the text ends inside it' });
      break;
    }
    if (r.kind === 'garbage') errors.push({ offset: r.start, reason: 'not a JSON object' });
    else {
      try {
        values.push(parseJsonExact(text.slice(r.start, r.end)));
      } catch (e) {
        errors.push({ offset: r.start, reason: `invalid JSON: ${(e as Error).message}` });
      }
    }
    pos = r.end;
  }
  return { values, errors };
}

function looksLikeJson(head: Uint8Array): boolean {
  const { encoding, bomLength } = detectEncoding(head);
  const text = new TextDecoder(encoding).decode(head.subarray(bomLength, Math.min(head.length, 4096)));
  const t = text.trimStart();
  return t.startsWith('{') || /^\[\s*(\{|$)/.test(t) || /^Record \d+\s*\r?\n\s*\{/.test(t);
}

export const jsonEventsParser: EvidenceParser = {
  format: 'json-flat',
  sniff: looksLikeJson,
  async parse(input: EvidenceInput, sink: RecordSink): Promise<void> {
    const refBase = { sourceId: input.sourceId, sourcePath: input.path, archivePath: input.archivePath };
    let index = 0;
    let shape: EvidenceFormat | undefined;
    const localTimes = new LocalTimeResolver((e) => sink.accept(e));
    let monthFirst = 0;
    let monthFirstExample: { line: number; text: string } | undefined;
    /** A flat record's own time: zoned ones are UTC now (and vote their zone), zone-less ones wait for their host's offset. */
    const flatTime = (e: NormalizedEvent, o: Obj, line: number): void => {
      const text = flatTimeText(o);
      if (text === undefined) return sink.accept(e);
      const t: TimeText | null = parseTimeText(text);
      if (!t) {
        e.unreadTime = text;
        return sink.accept(e);
      }
      if (t.monthFirst && monthFirst++ === 0) monthFirstExample = { line, text };
      if (t.zoneMs === null) return localTimes.add(e, t, flatReference(o));
      e.timeCreated = isoAt(t, -t.zoneMs);
      if (t.numericZone) localTimes.addZoneVote(e.computer, t.zoneMs);
      sink.accept(e);
    };
    const position = (s: Span) => ({ offset: s.byteOffset, recordNumber: s.line });
    const handle = (s: Span): void => {
      index++;
      let parsed: unknown;
      try {
        parsed = parseJsonExact(s.text);
      } catch (e) {
        if (!salvage(s, `invalid JSON (line ${s.line}): ${(e as Error).message}`)) {
          sink.reject({ ...position(s), reason: `invalid JSON (line ${s.line}): ${(e as Error).message}` });
        }
        return;
      }
      const r = eventFromJson(parsed, { ...refBase, recordNumber: s.line, offset: s.byteOffset }, s.text);
      if (!r) {
        sink.reject({ ...position(s), reason: `not an event record (line ${s.line}): no Event.System, winlog or EventID/Channel` });
        return;
      }
      if (shape === undefined) sink.refineFormat?.((shape = r.shape));
      if (r.shape === 'json-flat') flatTime(r.event, parsed as Obj, s.line);
      else sink.accept(r.event);
      if (index % 2000 === 0) sink.progress(s.byteOffset);
    };
    /**
     * A broken record that spans lines (an unclosed brace swallows what follows): reject
     * its first line only and read the rest again, so one bad line costs one record.
     */
    const salvage = (s: Span, reason: string): boolean => {
      const nl = s.text.indexOf('\n');
      if (nl < 0 || nl === s.text.length - 1) return false;
      sink.reject({ ...position(s), reason });
      const rest = s.text.slice(nl + 1);
      const base = { byteOffset: s.byteOffset + encodedLength(s.text.slice(0, nl + 1), s.encoding), line: s.line + 1 };
      let pos = 0;
      const at = (i: number): Span => {
        const before = rest.slice(0, i);
        return {
          text: '',
          byteOffset: base.byteOffset + encodedLength(before, s.encoding),
          line: base.line + (before.match(/\n/g)?.length ?? 0),
          encoding: s.encoding,
        };
      };
      for (;;) {
        const r = findJsonRecord(rest, pos, true);
        if (r.kind === 'done') break;
        if (r.kind === 'record') handle({ ...at(r.start), text: rest.slice(r.start, r.end) });
        else if (r.kind === 'garbage') garbage({ ...at(r.start), text: rest.slice(r.start, r.end) });
        else {
          const t = { ...at(r.keepFrom), text: rest.slice(r.keepFrom) };
          if (t.text.trim() !== '' && !salvage(t, `truncated JSON record (line ${t.line}): the input ends inside it`)) {
            sink.reject({ ...position(t), reason: `truncated JSON record (line ${t.line}): the input ends inside it` });
          }
          break;
        }
        pos = r.kind === 'record' || r.kind === 'garbage' ? r.end : rest.length;
      }
      return true;
    };
    const garbage = (s: Span) => sink.reject({ ...position(s), reason: `not JSON (line ${s.line}): ${JSON.stringify(s.text.slice(0, 60))}` });
    await splitRecords(
      decodeText(input.stream(), (off) => sink.error(`invalid text encoding at byte offset ${off}`)),
      findJsonRecord,
      {
        record: handle,
        garbage,
        truncated(s) {
          const reason = `truncated JSON record (line ${s.line}): the input ends inside it`;
          if (!salvage(s, reason)) sink.reject({ ...position(s), reason });
        },
        oversized(s) {
          sink.reject({ ...position(s), reason: `JSON record over the size limit (line ${s.line})` });
        },
      },
    );
    localTimes.finish();
    for (const line of localTimes.report()) sink.error(line);
    if (monthFirstExample) {
      sink.error(
        `${monthFirst} events write their time month first (M/D/YYYY, as Windows and NXLog print it in en-US), read so ` +
          `(first at line ${monthFirstExample.line}: ${JSON.stringify(monthFirstExample.text)}); a day-first export would be misread`,
      );
    }
  },
};
