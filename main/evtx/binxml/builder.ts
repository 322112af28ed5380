/**
 * The builder: one record's BinXML (fragment header, then a template instance or, for records
 * written without templates, the elements themselves) into the XmlElement tree that is our one
 * intermediate representation. Nested BinXML values (type 0x21) are built the same way.
 */
import type { XmlElement, XmlNode } from '../../../shared/model/event-xml';
import { binxmlError, parseTokens, type BinXmlContext } from './tokens';
import { MAX_RECORD_TEXT, MAX_TEMPLATE_DEPTH, readTemplateInstance } from './templates';

export { BinXmlError, type BinXmlContext } from './tokens';

/** Build the nodes of the BinXML fragment at ctx.buf[start, end). */
export function buildFragment(ctx: BinXmlContext, start: number, end: number, depth = 0): XmlNode[] {
  if (depth > MAX_TEMPLATE_DEPTH) throw binxmlError('BinXML nested too deeply', start);
  const nested = (s: number, e: number, d: number): XmlNode[] => buildFragment(ctx, s, e, d);
  const hook = (pos: number, e: number, d: number) => readTemplateInstance(ctx, pos, e, d, nested);
  return parseTokens(ctx, start, end, false, depth, hook).nodes;
}

/** Build a record's root element (normally <Event>). Throws BinXmlError when the BinXML is malformed. */
/** Most nodes one record may expand to. Real records have tens to a few thousand. */
export const MAX_RECORD_NODES = 200000;

export function buildRecord(ctx: BinXmlContext, start: number, end: number): XmlElement {
  ctx.budget = MAX_RECORD_NODES;
  ctx.textBudget = MAX_RECORD_TEXT;
  const nodes = buildFragment(ctx, start, end, 0);
  for (const n of nodes) if (typeof n !== 'string') return n;
  throw binxmlError('record holds no element', start);
}
