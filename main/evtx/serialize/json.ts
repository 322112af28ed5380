/**
 * JSON in the evtx_dump shape: `{"Event":{"#attributes":{...},"System":{...},"EventData":{...}}}`.
 * Elements with attributes get "#attributes" (and "#text" for their text); empty elements are
 * null; EventData <Data Name="N"> items become "N": value and unnamed <Data> items "Data":
 * {"#text": [...]}; repeated names get _1, _2 suffixes. Values keep their BinXML types when the
 * tree was built with `typed` set: integers and reals as numbers, bools as booleans, GUIDs without
 * braces, FILETIMEs with microseconds, text trimmed, like evtx_dump.
 */
import { textOf, type XmlElement } from '../../../shared/model/event-xml';
import type { TypedXmlElement } from '../binxml/tokens';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function typedValue(s: string, type: number | undefined): Json {
  // evtx_dump trims surrounding whitespace from text values.
  if (type === undefined) return s.trim();
  const t = type & 0x7f;
  if (t >= 0x03 && t <= 0x0a) {
    const n = Number(s);
    return Number.isSafeInteger(n) ? n : s;
  }
  if (t === 0x0b || t === 0x0c) {
    const n = Number(s);
    return Number.isFinite(n) ? n : s;
  }
  if (t === 0x0d) return s === 'true';
  if (t === 0x0f && s.length === 38 && s[0] === '{') return s.slice(1, -1);
  if (t === 0x11) {
    const m = /^(.*\.\d{6})\d*Z$/.exec(s);
    return m ? m[1] + 'Z' : s;
  }
  return s.trim();
}

function addKey(obj: { [k: string]: Json }, key: string, value: Json): void {
  if (!(key in obj)) {
    obj[key] = value;
    return;
  }
  for (let i = 1; ; i++) {
    const k = `${key}_${i}`;
    if (!(k in obj)) {
      obj[k] = value;
      return;
    }
  }
}

function attrsOf(el: TypedXmlElement): { [k: string]: Json } {
  const a: { [k: string]: Json } = {};
  for (const [k, v] of el.attrs) a[k] = typedValue(v, el.types?.[k]);
  return a;
}

function hasElementChild(el: XmlElement): boolean {
  const ch = el.children;
  for (let i = 0; i < ch.length; i++) if (typeof ch[i] !== 'string') return true;
  return false;
}

function textOfLeaf(el: XmlElement): string {
  const ch = el.children;
  return ch.length === 1 ? (ch[0] as string) : ch.length === 0 ? '' : textOf(el);
}

function body(el: TypedXmlElement): Json {
  const hasAttrs = el.attrs.length > 0;
  if (!hasElementChild(el)) {
    const hasText = el.children.length > 0;
    const text = hasText ? typedValue(textOfLeaf(el), el.types?.['#text']) : null;
    if (!hasAttrs) return text;
    const o: { [k: string]: Json } = { '#attributes': attrsOf(el) };
    if (hasText) o['#text'] = text;
    return o;
  }
  const o: { [k: string]: Json } = {};
  if (hasAttrs) o['#attributes'] = attrsOf(el);
  let unnamed: Json[] | null = null;
  const ch = el.children;
  for (let i = 0; i < ch.length; i++) {
    const c = ch[i];
    if (typeof c === 'string') continue;
    const t = c as TypedXmlElement;
    if (t.name === 'Data' && !hasElementChild(t)) {
      if (t.attrs.length === 1 && t.attrs[0][0] === 'Name') {
        addKey(o, t.attrs[0][1], typedValue(textOfLeaf(t), t.types?.['#text']));
        continue;
      }
      if (t.attrs.length === 0) {
        (unnamed ??= []).push(typedValue(textOfLeaf(t), t.types?.['#text']));
        continue;
      }
    }
    addKey(o, t.name, body(t));
  }
  if (unnamed !== null) addKey(o, 'Data', { '#text': unnamed.length === 1 ? unnamed[0] : unnamed });
  return o;
}

/** The evtx_dump-shaped object of one record. */
export function recordToJsonObject(tree: XmlElement): { [k: string]: Json } {
  return { [tree.name]: body(tree) };
}

/** One record as one line of JSON. */
export function recordToJson(tree: XmlElement): string {
  return JSON.stringify(recordToJsonObject(tree));
}
