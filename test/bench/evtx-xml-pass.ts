/**
 * The single-thread XML pass of the EVTX bench (evtx.bench.ts): files read as the workers read
 * them (the header block, then runs of 16 chunks, into one buffer used again; a new buffer per
 * file, as fs.readFileSync gives, cost 0-6% more, paired), records
 * written as Windows XML, the output written out 2 MB at a time, as `evtxexport > /dev/null`
 * writes its own. Run as a child process (forked by the bench), it reads the batches of files
 * its parent sends, one at a time, and answers each with the records it wrote: one such child is
 * the bench's single-thread figure, two sharing a corpus reading its measure of what two threads
 * give on the machine at that moment.
 */
import * as fs from 'node:fs';
import { CHUNK_SIZE, EvtxFileReader, type EvtxHandlers, type EvtxReadOptions } from '../../main/evtx/reader';
import { FILE_HEADER_SIZE } from '../../main/evtx/file-header';
import { XmlByteWriter } from '../../main/evtx/serialize/xml-writer';

/** The header block, then whole chunks (parsed in place by the reader). */
const readBuf = Buffer.allocUnsafeSlow(16 * CHUNK_SIZE);

/** Read one EVTX file as the workers do (see above); the bench's passes in one thread read this way. */
export function readEvtxFileRuns(file: string, h: EvtxHandlers, opts: EvtxReadOptions = {}): void {
  const fd = fs.openSync(file, 'r');
  try {
    const reader = new EvtxFileReader(h, opts, fs.fstatSync(fd).size);
    for (let at = 0, n = FILE_HEADER_SIZE; ; n = readBuf.length) {
      const got = fs.readSync(fd, readBuf, 0, n, at);
      if (got <= 0) break;
      reader.push(readBuf.subarray(0, got));
      at += got;
    }
    reader.end();
  } finally {
    fs.closeSync(fd);
  }
}

/** Records written (rejected ones not counted). */
function xmlPass(files: string[], out: number, w: XmlByteWriter): number {
  let records = 0;
  const h: EvtxHandlers = {
    record: (rec) => {
      if (rec.error !== null) return;
      records++;
      if (w.len > 1 << 21) {
        fs.writeSync(out, w.buf, 0, w.len);
        w.truncate(0);
      }
    },
  };
  for (const f of files) readEvtxFileRuns(f, h, { xml: w });
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
