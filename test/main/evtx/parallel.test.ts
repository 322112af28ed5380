/**
 * The parallel path's XML output: small files batched together, large ones cut into runs of
 * chunks, results in flight on two workers, all delivered in file order; byte for byte what one
 * thread writes, with the same rejected records in the same order.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { closeParallelPool, parseFilesParallel } from '../../../main/evtx/parallel';
import { readEvtxBuffer } from '../../../main/evtx/reader';
import { XmlByteWriter } from '../../../main/evtx/serialize/xml-writer';
import { CORPUS, findEvtx } from './evtxexport';

test('workers write the same XML, in the same order, as one thread; rejects too', async () => {
  const files = [...findEvtx(path.join(CORPUS, 'evtx', 'parser-edge-cases')), ...findEvtx(path.join(CORPUS, 'evtx', 'attack-samples')).slice(0, 80)];
  const w = new XmlByteWriter(true);
  const rejects: string[] = [];
  files.forEach((f, i) =>
    readEvtxBuffer(new Uint8Array(fs.readFileSync(f)), { record: (r) => void (r.error !== null && rejects.push(`${i}:${r.offset}:${r.error}`)) }, { xml: w, timeLimitMs: 1e9 }),
  );
  const expected = w.take();

  for (const chunksPerTask of [2, 16]) {
    const parts: Uint8Array[] = [];
    const parRejects: string[] = [];
    const done: number[] = [];
    const stats = await parseFilesParallel(files.map((p) => ({ path: p })), { mode: 'xml', threads: 2, chunksPerTask, timeLimitMs: 1e9 }, {
      text: (_i, t) => void parts.push(t),
      reject: (i, r) => void parRejects.push(`${i}:${r.offset}:${r.reason}`),
      fileDone: (i) => void done.push(i),
    });
    const got = Buffer.concat(parts);
    assert.equal(got.length, expected.length, `${chunksPerTask} chunks a task: output size`);
    assert.ok(got.equals(expected), `${chunksPerTask} chunks a task: same bytes`);
    assert.deepEqual(parRejects, rejects);
    assert.deepEqual(done, files.map((_, i) => i), 'every file finished, in order');
    assert.equal(stats.records, expected.toString('utf8').split('\n').filter((l) => l.startsWith('<Event')).length);
  }
  await closeParallelPool();
});
