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
import { tempDir } from '../../helpers/paths';
import { oneThreadXml } from './diff-helpers';

test('workers write the same XML, in the same order, as one thread; rejects too', async () => {
  const files = [...findEvtx(path.join(CORPUS, 'evtx', 'parser-edge-cases')), ...findEvtx(path.join(CORPUS, 'evtx', 'attack-samples')).slice(0, 80)];
  const w = new XmlByteWriter(true);
  const rejects: string[] = [];
  files.forEach((f, i) =>
    readEvtxBuffer(new Uint8Array(fs.readFileSync(f)), { record: (r) => void (r.error !== null && rejects.push(`${i}:${r.offset}:${r.error}`)) }, { xml: w, timeLimitMs: 1e9 }),
  );
  const expected = Buffer.from(w.buf.subarray(0, w.len));

  // (512 chunks a batch: texts of over 20 MiB, past the 4 MiB a worker's output buffer starts with)
  for (const chunksPerTask of [2, 16, 512]) {
    const parts: Uint8Array[] = [];
    const parRejects: string[] = [];
    const done: number[] = [];
    const stats = await parseFilesParallel(files.map((p) => ({ path: p })), { mode: 'xml', threads: 2, chunksPerTask, timeLimitMs: 1e9 }, {
      text: (_i, t) => void parts.push(Buffer.from(t)), // (a view of a buffer handed back to its worker)
      reject: (i, r) => void parRejects.push(`${i}:${r.offset}:${r.reason}`),
      fileDone: (i) => void done.push(i),
    });
    const got = Buffer.concat(parts);
    assert.equal(got.length, expected.length, `${chunksPerTask} chunks a task: output size`);
    assert.ok(got.equals(expected), `${chunksPerTask} chunks a task: same bytes`);
    assert.deepEqual(parRejects, rejects);
    assert.deepEqual(done, files.map((_, i) => i), 'every file finished, in order');
    assert.equal(stats.records, expected.toString('utf8').split('\n').filter((l) => l.startsWith('<Event')).length);
    assert.equal(stats.rejected, rejects.length);
  }
  // Without a reject handler, rejected records are counted, not sent.
  const counted = await parseFilesParallel(files.map((p) => ({ path: p })), { mode: 'xml', threads: 2, timeLimitMs: 1e9 }, { text: () => undefined });
  assert.equal(counted.rejected, rejects.length);
  await closeParallelPool();
});

test('damaged and odd files: the workers, which read each header themselves, report what one thread reports', async () => {
  const src = fs.readFileSync(path.join(CORPUS, 'evtx', 'parser-edge-cases', 'security.evtx')); // 33 chunks
  const dir = tempDir('parallel-edge');
  const write = (name: string, bytes: Uint8Array): string => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, bytes);
    return f;
  };
  const badMagic = Buffer.from(src);
  badMagic[0] = 0x58;
  const files = [
    // Chunks without the header block, the last one cut short: they start at 0, and the last run
    // reads one chunk more than planned from the size.
    write('headerless.evtx', src.subarray(4096, 4096 + 5 * 65536 + 3000)),
    write('header-only-part.evtx', src.subarray(0, 2000)),
    write('fewer-chunks-than-header.evtx', src.subarray(0, 4096 + 3 * 65536)),
    write('cut-mid-chunk.evtx', src.subarray(0, 4096 + 4 * 65536 + 1000)),
    write('bad-signature.evtx', badMagic.subarray(0, 4096 + 2 * 65536)),
    write('empty.evtx', new Uint8Array(0)),
    path.join(dir, 'missing.evtx'),
  ];
  try {
    const expected = files.map((f) => {
      const w = new XmlByteWriter(true);
      const warnings: string[] = [];
      const rejects: string[] = [];
      if (!fs.existsSync(f)) return { xml: Buffer.alloc(0), warnings: ['cannot read file'], rejects };
      readEvtxBuffer(new Uint8Array(fs.readFileSync(f)), { record: (r) => void (r.error !== null && rejects.push(`${r.offset}:${r.error}`)), warning: (m) => void warnings.push(m) }, { xml: w, timeLimitMs: 1e9 });
      return { xml: Buffer.from(w.buf.subarray(0, w.len)), warnings: warnings.sort(), rejects };
    });
    assert.ok(expected[0].warnings.some((m) => m.startsWith('no EVTX file header: data starts with a chunk')));
    assert.ok(expected[0].xml.length > 0);
    for (const chunksPerTask of [1, 2]) {
      const got = files.map(() => ({ xml: [] as Uint8Array[], warnings: [] as string[], rejects: [] as string[] }));
      await parseFilesParallel(files.map((p) => ({ path: p })), { mode: 'xml', threads: 2, chunksPerTask, timeLimitMs: 1e9 }, {
        text: (i, t) => void got[i].xml.push(Buffer.from(t)),
        warning: (i, m) => void got[i].warnings.push(m.startsWith('cannot read file') ? 'cannot read file' : m),
        reject: (i, r) => void got[i].rejects.push(`${r.offset}:${r.reason}`),
      });
      files.forEach((f, i) => {
        const name = `${path.basename(f)}, ${chunksPerTask} chunk(s) a run`;
        assert.ok(Buffer.concat(got[i].xml).equals(expected[i].xml), `${name}: same XML`);
        assert.deepEqual(got[i].warnings.sort(), expected[i].warnings, `${name}: same warnings`);
        assert.deepEqual(got[i].rejects, expected[i].rejects, `${name}: same rejected records`);
      });
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    await closeParallelPool();
  }
});

test("the workers' output memory: a text stays intact until its consumer's promise settles; batches outgrowing a slot still arrive whole", async () => {
  const files = findEvtx(path.join(CORPUS, 'evtx', 'parser-edge-cases'));
  const expected = oneThreadXml(files, 1e9);
  // 64 chunks a batch: several files' XML together passes the 4 MiB of a new output buffer, and the batch comes in a larger one.
  for (const chunksPerTask of [64, 4]) {
    const parts: Buffer[] = [];
    let changed = 0;
    let transferred = 0;
    await parseFilesParallel(files.map((p) => ({ path: p })), { mode: 'xml', threads: 2, chunksPerTask, timeLimitMs: 1e9 }, {
      // A consumer that takes much longer over every fourth text: the text is read again when
      // its promise settles. The parse waits only on the latest promise, so it goes on while the
      // slow ones are pending, and the workers come round to their slots again meanwhile.
      text: (_i, t) => {
        // Shared memory, copied into by the worker: a transfer would detach the buffer in the
        // worker, and one detached buffer slows every typed array access there (parallel-types.ts).
        if (!(t.buffer instanceof SharedArrayBuffer)) transferred++;
        const copy = Buffer.from(t);
        parts.push(copy);
        return new Promise<void>((resolve) =>
          setTimeout(
            () => {
              if (!copy.equals(t)) changed++;
              resolve();
            },
            parts.length % 4 === 0 ? 100 : 0,
          ),
        );
      },
    });
    assert.equal(changed, 0, `${chunksPerTask} chunks a batch: no text was written over before it was consumed`);
    assert.equal(transferred, 0, `${chunksPerTask} chunks a batch: every text is in shared memory`);
    assert.ok(Buffer.concat(parts).equals(expected), `${chunksPerTask} chunks a batch: same bytes as one thread`);
  }
  await closeParallelPool();
});
