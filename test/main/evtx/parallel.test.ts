/**
 * The parallel path's XML output: small files batched together, large ones cut into runs of
 * chunks, results in flight on two workers, all delivered in file order; byte for byte what one
 * thread writes, with the same rejected records in the same order.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
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

/** A named pipe in a fresh folder, opened for reading (`reader`) and for writing (`fd`). */
async function fifo(): Promise<{ fd: number; reader: fs.ReadStream; done: () => void }> {
  const dir = tempDir('parallel-fifo');
  const p = path.join(dir, 'out');
  execFileSync('mkfifo', [p]);
  const reader = fs.createReadStream(p, { highWaterMark: 4096 });
  // (opening for writing waits for the reader's open, which runs meanwhile on libuv's threads)
  const fd = await new Promise<number>((resolve, reject) => fs.open(p, 'w', (e, f) => (e ? reject(e) : resolve(f))));
  return { fd, reader, done: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

test('ordered output: the workers write every text themselves, in file order, byte for byte what one thread writes', async () => {
  const files = [...findEvtx(path.join(CORPUS, 'evtx', 'parser-edge-cases')), ...findEvtx(path.join(CORPUS, 'evtx', 'attack-samples')).slice(0, 80)];
  const expected = oneThreadXml(files, 1e9);
  const dir = tempDir('parallel-ordered');
  try {
    // (512 chunks a batch: texts larger than the buffers the workers start with)
    for (const chunksPerTask of [2, 16, 512]) {
      const out = path.join(dir, `out-${chunksPerTask}.xml`);
      const fd = fs.openSync(out, 'w');
      let texts = 0;
      const rejects: string[] = [];
      const stats = await parseFilesParallel(files.map((p) => ({ path: p })), { mode: 'xml', threads: 2, chunksPerTask, timeLimitMs: 1e9, output: fd }, {
        text: () => void texts++,
        reject: (i, r) => void rejects.push(`${i}:${r.offset}`),
      });
      fs.closeSync(fd);
      assert.ok(fs.readFileSync(out).equals(expected), `${chunksPerTask} chunks a batch: same bytes`);
      assert.equal(texts, 0, 'nothing handed to the main thread');
      assert.equal(stats.rejected, rejects.length);
      assert.ok(rejects.length > 1000);
      assert.equal(stats.outputClosed, false);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    await closeParallelPool();
  }
});

test('ordered output into a pipe read slowly: the workers wait for it, and every byte arrives in order', async () => {
  const files = findEvtx(path.join(CORPUS, 'evtx', 'parser-edge-cases'));
  const expected = oneThreadXml(files, 1e9);
  const { fd, reader, done } = await fifo();
  try {
    const got: Buffer[] = [];
    reader.on('data', (d) => {
      got.push(d as Buffer);
      if (got.length % 64 === 0) {
        // Now and then the reader stops a while: the pipe fills and the writing worker waits.
        reader.pause();
        setTimeout(() => reader.resume(), 20);
      }
    });
    const ended = new Promise<void>((r) => reader.on('end', r));
    const stats = await parseFilesParallel(files.map((p) => ({ path: p })), { mode: 'xml', threads: 2, chunksPerTask: 4, timeLimitMs: 1e9, output: fd }, {});
    fs.closeSync(fd);
    await ended;
    assert.ok(Buffer.concat(got).equals(expected));
    assert.equal(stats.outputClosed, false);
  } finally {
    done();
    await closeParallelPool();
  }
});

test('ordered output whose reader goes away (`dump | head`): the rest is not written, no more work is handed out, and the parse says so', async () => {
  const files = Array.from({ length: 8 }, () => findEvtx(path.join(CORPUS, 'evtx', 'parser-edge-cases'))).flat();
  const { fd, reader, done } = await fifo();
  try {
    let read = 0;
    reader.on('data', (d) => {
      read += (d as Buffer).length;
      if (read > 100000) reader.destroy();
    });
    let records = 0;
    const stats = await parseFilesParallel(files.map((p) => ({ path: p })), { mode: 'xml', threads: 2, chunksPerTask: 4, timeLimitMs: 1e9, output: fd }, {
      progress: (_b, r) => void (records = r),
    });
    fs.closeSync(fd);
    assert.equal(stats.outputClosed, true);
    // It stopped early: far fewer records than the files hold (8 x 18,893).
    assert.ok(records < 60000, `${records} records read before it stopped`);
  } finally {
    done();
    await closeParallelPool();
  }
});

test('ordered output that cannot be written fails the parse with the reason, every time, and nothing of it reaches the next parse', async () => {
  const files = findEvtx(path.join(CORPUS, 'evtx', 'parser-edge-cases')).slice(0, 3);
  const readOnly = fs.openSync(files[0], 'r'); // (open for reading only: every write fails)
  const full = fs.openSync('/dev/full', 'w'); // (every write: no space left on device)
  const devNull = fs.openSync('/dev/null', 'w');
  try {
    await assert.rejects(parseFilesParallel(files.map((p) => ({ path: p })), { mode: 'xml', threads: 2, output: readOnly }, {}), /writing the output failed: EBADF/);
    // The failure was once told in a message that could come after the parse had seen every batch
    // written (it then succeeded), or in the next parse (which then failed).
    for (let i = 0; i < 12; i++) {
      await assert.rejects(parseFilesParallel([{ path: files[i % 3] }], { mode: 'xml', threads: 2, output: full }, {}), /writing the output failed: ENOSPC/);
      const next = await parseFilesParallel([{ path: files[i % 3] }], { mode: 'xml', threads: 2, output: devNull }, {});
      assert.ok(next.records > 0 && !next.outputClosed);
    }
  } finally {
    for (const fd of [readOnly, full, devNull]) fs.closeSync(fd);
    await closeParallelPool();
  }
});
