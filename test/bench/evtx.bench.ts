/**
 * EVTX bench: the whole EVTX corpus through our parser (single thread: build trees only, trees +
 * Windows XML, trees + normalized events; then worker threads across files and chunks) and, in
 * the same run, through libevtx's evtxexport (spawned per file, XML discarded). Prints MB/s,
 * records/s and the ratios. Our figures are the best of 5 passes (the machine is shared); files are
 * read into memory first for the single-thread passes, the workers read them from disk.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { readEvtxBuffer } from '../../main/evtx/reader';
import { recordToXml } from '../../main/evtx/serialize/xml';
import { eventFromXml } from '../../shared/model/event-xml';
import { parseFilesParallel } from '../../main/evtx/parallel';
import { CORPUS } from '../helpers/paths';
import { EVTXEXPORT, findEvtx } from '../main/evtx/evtxexport';


interface Figure {
  label: string;
  seconds: number;
  bytes: number;
  records: number;
}

function line(f: Figure): string {
  return `${f.label.padEnd(44)} ${(f.bytes / 1e6 / f.seconds).toFixed(1).padStart(8)} MB/s ${Math.round(f.records / f.seconds).toString().padStart(10)} records/s  (${f.seconds.toFixed(3)} s, ${f.records} records)`;
}

/** One pass over the corpus in this thread; the figure is the best of `rounds` passes (the machine is shared). */
function single(label: string, bufs: Uint8Array[], mode: 'tree' | 'xml' | 'xml-utf8' | 'events', rounds: number): Figure {
  const ref = { sourceId: 0, sourcePath: '' };
  let best = Infinity;
  let records = 0;
  let sink = 0;
  for (let r = 0; r < rounds; r++) {
    records = 0;
    const t0 = performance.now();
    for (const b of bufs) {
      let parts: string[] = [];
      let chunkIndex = -1;
      const flush = () => {
        // What dump does: each chunk's renderings become one UTF-8 buffer for the output.
        if (parts.length > 0) sink += Buffer.from(parts.join('\n') + '\n', 'utf8').length;
        parts = [];
      };
      readEvtxBuffer(b, {
        record: (rec, chunk) => {
          if (chunk.index !== chunkIndex) {
            flush();
            chunkIndex = chunk.index;
          }
          if (rec.tree === null) return;
          records++;
          if (mode === 'xml-utf8') parts.push(recordToXml(rec.tree));
          else if (mode === 'xml') sink += recordToXml(rec.tree).length;
          else if (mode === 'events') sink += eventFromXml(rec.tree, ref, null, rec.recovered).eventId;
        },
      });
      flush();
    }
    best = Math.min(best, performance.now() - t0);
  }
  if (sink === -1) console.log('');
  return { label, seconds: best / 1000, bytes: bufs.reduce((n, b) => n + b.length, 0), records };
}

/** Records evtxexport prints for a file (untimed pass, for the records/s figure). */
function evtxexportRecords(file: string): number {
  const r = spawnSync(EVTXEXPORT, ['-f', 'xml', file], { encoding: 'utf8', maxBuffer: 1 << 30 });
  return (r.stdout.match(/^<Event /gm) ?? []).length;
}

/** evtxexport over the files, one process at a time (as `evtxexport -f xml f > /dev/null`). */
async function evtxexport(files: string[], concurrency: number): Promise<Figure> {
  let next = 0;
  const devnull = fs.openSync('/dev/null', 'w');
  const t0 = performance.now();
  const worker = async () => {
    while (next < files.length) {
      const f = files[next++];
      await new Promise<void>((resolve) => {
        const p = spawn(EVTXEXPORT, ['-f', 'xml', f], { stdio: ['ignore', devnull, 'ignore'] });
        p.on('close', () => resolve());
        p.on('error', () => resolve());
      });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - t0) / 1000;
  fs.closeSync(devnull);
  const bytes = files.reduce((n, f) => n + fs.statSync(f).size, 0);
  const records = files.reduce((n, f) => n + evtxexportRecords(f), 0);
  return { label: `evtxexport (1 process at a time, XML to /dev/null)`, seconds, bytes, records };
}

export async function bench(): Promise<void> {
  const files = findEvtx(path.join(CORPUS, 'evtx')).concat(findEvtx(path.join(CORPUS, 'sigma', 'regression_data')));
  const bufs = files.map((f) => new Uint8Array(fs.readFileSync(f)));
  const total = bufs.reduce((n, b) => n + b.length, 0);
  console.log(`${files.length} EVTX files, ${(total / 1e6).toFixed(1)} MB, ${os.availableParallelism()} CPUs`);

  const rounds = 5;
  single('warm-up', bufs, 'xml', 1);
  const tree = single('ours, 1 thread: records -> trees', bufs, 'tree', rounds);
  const xml = single('ours, 1 thread: records -> trees -> XML', bufs, 'xml', rounds);
  const xmlUtf8 = single('ours, 1 thread: ... -> XML -> UTF-8 output', bufs, 'xml-utf8', rounds);
  const events = single('ours, 1 thread: records -> normalized events', bufs, 'events', rounds);

  const par = async (mode: 'xml' | 'count'): Promise<Figure> => {
    let best = Infinity;
    let records = 0;
    let bytes = 0;
    for (let r = 0; r < rounds; r++) {
      let chars = 0;
      const t0 = performance.now();
      const s = await parseFilesParallel(files.map((p) => ({ path: p })), { mode }, { text: (_f, t) => void (chars += t.byteLength) });
      best = Math.min(best, performance.now() - t0);
      if (chars < 0) console.log('');
      records = s.records;
      bytes = s.bytes;
    }
    return { label: `ours, ${os.availableParallelism()} worker threads: ${mode === 'xml' ? 'XML -> UTF-8 output' : 'trees'}`, seconds: best / 1000, bytes, records };
  };
  // Warm-up: start the pool and let the workers' JIT settle.
  for (let i = 0; i < 3; i++) {
    await par('count');
    await par('xml');
  }
  const parTree = await par('count');
  const parXml = await par('xml');

  if (!fs.existsSync(EVTXEXPORT)) {
    for (const f of [tree, xml, xmlUtf8, events, parTree, parXml]) console.log(line(f));
    console.log('evtxexport not installed: no comparison');
    return;
  }
  const ex1 = await evtxexport(files, 1);

  for (const f of [tree, xml, xmlUtf8, events, parTree, parXml, ex1]) console.log(line(f));
  console.log(`load average while measuring: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} (the speed-up needs idle cores)`);
  const mbs = (f: Figure) => f.bytes / f.seconds;
  console.log(`ratio single-thread XML vs evtxexport:      ${(mbs(xml) / mbs(ex1)).toFixed(1)}x (target >= 30x)`);
  console.log(`ratio single-thread trees vs evtxexport:    ${(mbs(tree) / mbs(ex1)).toFixed(1)}x`);
  console.log(`parallel speed-up (XML output, workers vs 1 thread): ${(mbs(parXml) / mbs(xmlUtf8)).toFixed(2)}x (target >= 1.7x)`);
  console.log(`parallel speed-up (trees):                    ${(mbs(parTree) / mbs(tree)).toFixed(2)}x`);
}

