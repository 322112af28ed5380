/**
 * The single-thread XML pass of the EVTX bench (evtx.bench.ts): files read whole, records
 * written as Windows XML, the output written out 2 MB at a time, as `evtxexport > /dev/null`
 * writes its own. Run as a child process (forked by the bench), it reads the batches of files
 * its parent sends, one at a time, and answers each with the records it wrote: one such child is
 * the bench's single-thread figure, two sharing a corpus reading its measure of what two threads
 * give on the machine at that moment.
 */
import * as fs from 'node:fs';
import { readEvtxBuffer } from '../../main/evtx/reader';
import { XmlByteWriter } from '../../main/evtx/serialize/xml-writer';

/** Records written (rejected ones not counted). */
function xmlPass(files: string[], out: number, w: XmlByteWriter): number {
  let records = 0;
  for (const f of files)
    readEvtxBuffer(
      fs.readFileSync(f),
      {
        record: (rec) => {
          if (rec.error !== null) return;
          records++;
          if (w.len > 1 << 21) {
            fs.writeSync(out, w.buf, 0, w.len);
            w.truncate(0);
          }
        },
      },
      { xml: w },
    );
  if (w.len > 0) fs.writeSync(out, w.buf, 0, w.len);
  w.truncate(0);
  return records;
}

if (require.main === module && process.send !== undefined) {
  const out = fs.openSync('/dev/null', 'w');
  const w = new XmlByteWriter(true, 1 << 22);
  process.on('message', (files: string[]) => {
    process.send!(xmlPass(files, out, w));
  });
}
