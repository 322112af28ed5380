/**
 * Event XML of an element tree as Windows renders it (Event Viewer's XML view / evtxexport
 * layout), as a string: the tree written through the one layout implementation, XmlByteWriter.
 */
import type { XmlElement } from '../../../shared/model/event-xml';
import { XmlByteWriter } from './xml-writer';

const pretty = new XmlByteWriter(true);
const compact = new XmlByteWriter(false);

function render(tree: XmlElement, w: XmlByteWriter): string {
  w.truncate(0);
  w.writeElement(tree);
  const s = w.buf.toString('utf8', 0, w.len);
  w.truncate(0);
  return s;
}

/** One record's XML (no XML declaration), indented. */
export function recordToXml(tree: XmlElement): string {
  return render(tree, pretty);
}

/** One record's XML on a single line (for the `raw` field of imported events). */
export function recordToXmlCompact(tree: XmlElement): string {
  return render(tree, compact);
}
