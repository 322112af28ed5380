/**
 * The intermediate representation of one event as an element tree, shared by every
 * XML-shaped source: the EVTX parser emits it, XML exports are read into it, and
 * evtx_dump-style JSON is mapped onto it. One normalizer (eventFromXml) turns it into
 * a NormalizedEvent, so all of those formats agree field for field.
 */
import { ownField, setField, type EventFields, type EvidenceRef, type NormalizedEvent } from './event';
import { isCanonicalUtc, isoAt, parseTimeText } from './time-text';

export interface XmlElement {
  name: string;
  attrs: Array<[string, string]>;
  children: XmlNode[];
}
/** Text nodes hold the decoded text (entities already resolved). */
export type XmlNode = XmlElement | string;

export function isElement(n: XmlNode | undefined): n is XmlElement {
  return typeof n === 'object' && n !== null;
}

export function attr(el: XmlElement, name: string): string | undefined {
  for (const [k, v] of el.attrs) if (k === name) return v;
  return undefined;
}

export function child(el: XmlElement, name: string): XmlElement | undefined {
  for (const c of el.children) if (isElement(c) && localName(c.name) === name) return c;
  return undefined;
}

export function textOf(el: XmlElement): string {
  let s = '';
  for (const c of el.children) s += typeof c === 'string' ? c : textOf(c);
  return s;
}

export function localName(name: string): string {
  const i = name.indexOf(':');
  return i < 0 ? name : name.slice(i + 1);
}

function toInt(s: string | undefined): number | null {
  if (s === undefined) return null;
  const t = s.trim();
  if (t === '') return null;
  const n = t.startsWith('0x') || t.startsWith('0X') ? parseInt(t, 16) : Number(t);
  return Number.isFinite(n) ? n : null;
}

/**
 * Normalize a source timestamp that is UTC by definition (SystemTime, @timestamp) to ISO 8601
 * UTC ending in 'Z', keeping every fractional digit given; a written zone is converted. ''
 * when the text is in no format parseTimeText reads (never the workstation's zone).
 */
export function normalizeUtcTime(s: string | undefined): string {
  if (s && isCanonicalUtc(s)) return s;
  const t = s ? parseTimeText(s) : null;
  return t ? isoAt(t, -(t.zoneMs ?? 0)) : '';
}

/** An event whose time text is there but unreadable, or blank (timeCreated ''), keeps the text in unreadTime, for the ledger. */
export function noteUnreadTime(e: NormalizedEvent, text: string | undefined): NormalizedEvent {
  if (e.timeCreated === '' && text !== undefined) e.unreadTime = text;
  return e;
}

function addField(fields: EventFields, name: string, value: string): void {
  const prev = ownField(fields, name);
  if (prev === undefined) setField(fields, name, value);
  else if (typeof prev === 'string') setField(fields, name, [prev, value]);
  else prev.push(value);
}

/** Flatten a UserData-style subtree: leaf elements become fields named after the element. */
function flattenInto(fields: EventFields, el: XmlElement): void {
  let hasElementChild = false;
  for (const c of el.children) {
    if (isElement(c)) {
      hasElementChild = true;
      flattenInto(fields, c);
    }
  }
  if (!hasElementChild) addField(fields, localName(el.name), textOf(el));
  for (const [k, v] of el.attrs) if (!k.startsWith('xmlns')) addField(fields, `${localName(el.name)}@${k}`, v);
}

/** Read EventData / UserData / other payload elements into named fields. */
export function fieldsOfEvent(event: XmlElement): EventFields {
  const fields: EventFields = {};
  for (const section of event.children) {
    if (!isElement(section)) continue;
    const sname = localName(section.name);
    if (sname === 'System' || sname === 'RenderingInfo') continue;
    if (sname === 'EventData') {
      for (const d of section.children) {
        if (!isElement(d)) {
          if (d.trim() !== '') addField(fields, 'Data', d);
          continue;
        }
        const dn = localName(d.name);
        if (dn === 'Data') {
          const name = attr(d, 'Name');
          addField(fields, name !== undefined && name !== '' ? name : 'Data', textOf(d));
        } else if (dn === 'Binary') {
          addField(fields, 'Binary', textOf(d));
        } else {
          flattenInto(fields, d);
        }
      }
    } else {
      // UserData wraps one provider-specific element; other sections (ProcessingErrorData, DebugData) likewise.
      for (const d of section.children) if (isElement(d)) flattenInto(fields, d);
    }
  }
  return fields;
}

/** The one normalizer for XML-shaped events. `event` is the <Event> element. */
export function eventFromXml(event: XmlElement, ref: EvidenceRef, raw: string | null, recovered = false): NormalizedEvent {
  const sys = child(event, 'System');
  const get = (name: string): XmlElement | undefined => (sys ? child(sys, name) : undefined);
  const provider = get('Provider');
  const time = get('TimeCreated');
  const exec = get('Execution');
  const sec = get('Security');
  const rendering = child(event, 'RenderingInfo');
  const messageEl = rendering ? child(rendering, 'Message') : undefined;
  const eventIdEl = get('EventID');
  const recordIdEl = get('EventRecordID');
  const channelEl = get('Channel');
  const computerEl = get('Computer');
  const keywordsEl = get('Keywords');
  const num = (el: XmlElement | undefined) => (el ? toInt(textOf(el)) : null);
  const timeText = time ? attr(time, 'SystemTime') ?? textOf(time) : undefined;
  return noteUnreadTime({
    timeCreated: normalizeUtcTime(timeText),
    channel: channelEl ? textOf(channelEl) : '',
    provider: provider ? attr(provider, 'Name') ?? attr(provider, 'EventSourceName') ?? '' : '',
    eventId: num(eventIdEl) ?? -1,
    recordId: num(recordIdEl),
    computer: computerEl ? textOf(computerEl) : '',
    userSid: sec ? attr(sec, 'UserID') ?? null : null,
    level: num(get('Level')),
    task: num(get('Task')),
    opcode: num(get('Opcode')),
    keywords: keywordsEl ? textOf(keywordsEl) : null,
    processId: exec ? toInt(attr(exec, 'ProcessID')) : null,
    threadId: exec ? toInt(attr(exec, 'ThreadID')) : null,
    data: fieldsOfEvent(event),
    message: messageEl ? textOf(messageEl) : null,
    raw,
    recovered,
    ref,
  }, timeText);
}

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

export function escapeXmlText(s: string): string {
  return s.replace(/[&<>]/g, (c) => XML_ESCAPES[c]);
}

export function escapeXmlAttr(s: string): string {
  return s.replace(/[&<>"']/g, (c) => XML_ESCAPES[c]);
}

/** Serialize an element tree to XML text (no declaration), indenting like Event Viewer when `indent` is set. */
export function serializeXml(el: XmlElement, indent = '', step = '  '): string {
  const nl = step ? '\n' : '';
  let s = `${indent}<${el.name}`;
  for (const [k, v] of el.attrs) s += ` ${k}="${escapeXmlAttr(v)}"`;
  if (el.children.length === 0) return `${s}/>`;
  const onlyText = el.children.every((c) => typeof c === 'string');
  if (onlyText) return `${s}>${escapeXmlText(el.children.join(''))}</${el.name}>`;
  s += '>';
  for (const c of el.children) {
    if (typeof c === 'string') {
      if (c.trim() !== '') s += escapeXmlText(c);
    } else s += nl + serializeXml(c, indent + step, step);
  }
  return `${s}${nl}${indent}</${el.name}>`;
}
