/**
 * Maps the JSON rendering of an event in evtx_dump shape onto the XmlElement IR, so one
 * normalizer (eventFromXml) serves it like EVTX and XML. The shape:
 *   { "Event": { "#attributes": {...}, "System": {...}, "EventData": {...} } }
 * - an object is an element; its "#attributes" are the attributes, "#text" its text;
 * - a scalar is an element holding that text (null -> empty element);
 * - an array is the same element repeated;
 * - EventData keys are the Name attributes of <Data> items (`"Data"` holding a scalar,
 *   an array or `{"#text": [...]}` are unnamed items);
 * - anything else (UserData and its nested provider elements) keeps its element structure.
 * Values are evidence: they are copied as text, never interpreted.
 */
import type { XmlElement, XmlNode } from '../../../shared/model/event-xml';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function scalarText(v: Json): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

function isObj(v: Json | undefined): v is { [k: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function attrsOf(v: Json | undefined): Array<[string, string]> {
  if (!isObj(v)) return [];
  return Object.entries(v).map(([k, x]) => [k, scalarText(x)]);
}

function textNodes(v: Json): XmlNode[] {
  if (Array.isArray(v)) return v.map((x) => scalarText(x)).filter((s) => s !== '');
  const s = scalarText(v);
  return s === '' ? [] : [s];
}

/** Elements named `name` for one JSON value (arrays give one element per item). */
function elementsFor(name: string, v: Json): XmlElement[] {
  if (Array.isArray(v)) return v.flatMap((x) => elementsFor(name, x));
  return [elementFor(name, v)];
}

function elementFor(name: string, v: Json): XmlElement {
  if (!isObj(v)) return { name, attrs: [], children: textNodes(v) };
  const el: XmlElement = { name, attrs: attrsOf(v['#attributes']), children: [] };
  for (const [k, x] of Object.entries(v)) {
    if (k === '#attributes') continue;
    if (k === '#text') el.children.push(...textNodes(x));
    else el.children.push(...elementsFor(k, x));
  }
  return el;
}

/** <Data Name="k">v</Data> items; repeated values (arrays) give one item each. */
function dataItems(name: string | null, v: Json): XmlElement[] {
  const mk = (x: Json): XmlElement => {
    if (isObj(x)) {
      // {"#attributes": {"Name": ...}, "#text": ...} forms
      const attrs = attrsOf(x['#attributes']);
      if (name !== null && !attrs.some(([k]) => k === 'Name')) attrs.unshift(['Name', name]);
      const children = x['#text'] !== undefined ? textNodes(x['#text']) : [];
      return { name: 'Data', attrs, children };
    }
    return { name: 'Data', attrs: name === null ? [] : [['Name', name]], children: textNodes(x) };
  };
  if (Array.isArray(v)) return v.map(mk);
  if (name === null && isObj(v) && v['#text'] !== undefined && Array.isArray(v['#text'])) {
    return (v['#text'] as Json[]).map((x) => mk(x));
  }
  return [mk(v)];
}

function eventDataElement(name: string, v: Json): XmlElement {
  const el: XmlElement = { name, attrs: [], children: [] };
  if (!isObj(v)) {
    // "EventData": "text" or ["a","b"] or null
    if (Array.isArray(v)) el.children.push(...v.map((x) => ({ name: 'Data', attrs: [], children: textNodes(x) }) as XmlElement));
    else if (v !== null) el.children.push({ name: 'Data', attrs: [], children: textNodes(v) });
    return el;
  }
  el.attrs = attrsOf(v['#attributes']);
  for (const [k, x] of Object.entries(v)) {
    if (k === '#attributes') continue;
    if (k === '#text') el.children.push(...textNodes(x));
    else if (k === 'Data') el.children.push(...dataItems(null, x));
    else if (k === 'Binary') el.children.push(...elementsFor('Binary', x));
    else el.children.push(...dataItems(k, x));
  }
  return el;
}

/**
 * The <Event> element for one evtx_dump-shaped JSON object. Accepts `{"Event": {...}}` or the
 * inner object itself.
 */
export function xmlTreeFromEvtxDump(obj: unknown): XmlElement {
  const o = obj as Json;
  const inner: Json = isObj(o) && isObj(o.Event) ? o.Event : o;
  const ev: XmlElement = { name: 'Event', attrs: [], children: [] };
  if (!isObj(inner)) return ev;
  ev.attrs = attrsOf(inner['#attributes']);
  for (const [k, x] of Object.entries(inner)) {
    if (k === '#attributes') continue;
    if (k === '#text') continue;
    if (k === 'EventData') ev.children.push(eventDataElement(k, x));
    else ev.children.push(...elementsFor(k, x));
  }
  return ev;
}
