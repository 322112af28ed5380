/** `wmi-workbench dump`: every record of every file, in file order, as JSONL or XML. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { PassThrough, Writable } from 'node:stream';
import { CORPUS, findEvtx } from './evtxexport';
import { dumpCommand } from '../../../main/cli/commands/dump';
import { UsageError } from '../../../main/cli/command';
import { oneThreadXml, parseFile } from './diff-helpers';
import { CLI, tempDir } from '../../helpers/paths';

const EDGE = path.join(CORPUS, 'evtx', 'parser-edge-cases');

async function dump(args: string[], interactive = false): Promise<{ out: string; err: string; code: number }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const o: Buffer[] = [];
  const e: Buffer[] = [];
  stdout.on('data', (d: Buffer) => o.push(d));
  stderr.on('data', (d: Buffer) => e.push(d));
  const code = await dumpCommand.run(args, { stdout, stderr, interactive });
  return { out: Buffer.concat(o).toString('utf8'), err: Buffer.concat(e).toString('utf8'), code };
}

test('dump --format jsonl: one evtx_dump object per line, files in order, records in file order', async () => {
  const files = ['security.evtx', 'issue_201.evtx', 'system.evtx'].map((f) => path.join(EDGE, f));
  const expected = files.flatMap((f) => parseFile(f).records.filter((r) => r.tree).map((r) => r.offset));
  const r = await dump(files);
  assert.equal(r.code, 0);
  const lines = r.out.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, expected.length);
  const first = JSON.parse(lines[0]);
  assert.equal(first.Event.System.EventRecordID, 1);
  assert.equal(first.Event.System.Channel, 'Security');
  // The issue_201 record (no template) sits between the two logs.
  const i201 = 2261;
  assert.equal(JSON.parse(lines[i201]).Event.System.Computer, 'WEC.ave.local');
  assert.equal(JSON.parse(lines[i201 + 1]).Event.System.Channel, 'System');
  assert.match(r.err, /rejected: record recovered from chunk slack/);
});

test('dump --format xml: Windows event XML, one record after another', async () => {
  const r = await dump(['--format', 'xml', path.join(EDGE, 'sysmon.evtx')]);
  const n = r.out.split('\n').filter((l) => l.startsWith('<Event xmlns=')).length;
  assert.equal(n, 358);
  assert.match(r.out, /<Provider Name="Microsoft-Windows-Sysmon" Guid="\{5770385F-C22A-43E0-BF4C-06F5698FFBD9\}"\/>/);
});

test('dump on a terminal shows live progress on stderr, cleared before messages and at the end', async () => {
  const files = ['security.evtx', 'sysmon.evtx'].map((f) => path.join(EDGE, f));
  const quiet = await dump(['--format', 'xml', ...files]);
  const live = await dump(['--format', 'xml', ...files], true);
  assert.equal(live.out, quiet.out, 'progress never reaches stdout');
  assert.doesNotMatch(quiet.err, /\x1b/);
  assert.match(live.err, /\r\x1b\[2Kfiles \d\/2 {2}[\d.]+ [kM]B\/[\d.]+ MB {2}records [\d,]+/);
  // Every message and the summary start on a cleared line.
  for (const line of live.err.split('\n').filter((l) => /rejected|record\(s\)/.test(l))) assert.ok(line.startsWith('\r\x1b[2K'), JSON.stringify(line.slice(0, 60)));
  assert.match(live.err, /\r\x1b\[2K2 file\(s\), \d+ record\(s\)/);
});

test('dump into a slow output waits for it to drain, one wait at a time: every byte arrives, no listeners pile up', async () => {
  // An output that takes its time (a pipe to a slow reader): small buffer, each write done later. It
  // reads what it was given only then: the workers' output memory is written into again meanwhile.
  const got: Buffer[] = [];
  const stdout = new Writable({
    highWaterMark: 1024,
    write(chunk: Buffer, _enc, cb) {
      setTimeout(() => {
        got.push(Buffer.from(chunk));
        cb();
      }, 1);
    },
  });
  const stderr = new PassThrough();
  stderr.resume();
  let mostWaiting = 0;
  stdout.on('newListener', (event: string) => {
    if (event === 'drain') mostWaiting = Math.max(mostWaiting, stdout.listenerCount('drain') + 1);
  });
  const warnings: string[] = [];
  const onWarning = (w: Error) => void warnings.push(w.name);
  process.on('warning', onWarning);
  try {
    // Small files travel to the workers together and come back together: many runs at once.
    const files = findEvtx(path.join(CORPUS, 'evtx', 'attack-samples')).slice(0, 40);
    const code = await dumpCommand.run(['--format', 'xml', ...files], { stdout, stderr, interactive: false });
    await new Promise<void>((r) => stdout.end(r));
    assert.equal(code, 0);
    const quick = await dump(['--format', 'xml', ...files]);
    assert.ok(Buffer.concat(got).equals(Buffer.from(quick.out)), 'the same output as into a quick stream');
    // Listeners on the output: one wait at a time, none left behind.
    assert.equal(mostWaiting, 1);
    assert.equal(stdout.listenerCount('drain'), 0);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(warnings.filter((w) => w === 'MaxListenersExceededWarning'), []);
  } finally {
    process.off('warning', onWarning);
  }
});

test('dump hands the output stream bytes of its own: a stream may keep what it is given', async () => {
  // Chunks kept by the stream (as a PassThrough piped on holds them): every run of every file, many
  // batches, the workers' output memory written into again and again meanwhile.
  const files = findEvtx(path.join(CORPUS, 'evtx', 'attack-samples'));
  const kept: Buffer[] = [];
  const stdout = new PassThrough();
  stdout.on('data', (d: Buffer) => void kept.push(d));
  const stderr = new PassThrough();
  stderr.resume();
  assert.equal(await dumpCommand.run(['--format', 'xml', ...files], { stdout, stderr, interactive: false }), 0);
  assert.ok(Buffer.concat(kept).equals(oneThreadXml(files)));
});

test('dump as a process: its workers write the records to its standard output themselves, all of them, in order; a reader that stops early ends it quietly', () => {
  const files = findEvtx(path.join(CORPUS, 'evtx', 'attack-samples')).slice(0, 60);
  const dir = tempDir('dump-process');
  try {
    const out = path.join(dir, 'out.xml');
    const fd = fs.openSync(out, 'w');
    const r = spawnSync(process.execPath, [CLI, 'dump', '--format', 'xml', ...files], { stdio: ['ignore', fd, 'pipe'] });
    fs.closeSync(fd);
    assert.equal(r.status, 0, r.stderr.toString());
    assert.ok(fs.readFileSync(out).equals(oneThreadXml(files)));
    // `dump … | head -c 1000`: the pipe closes early; no stack trace, exit code 0.
    const head = spawnSync('sh', ['-c', `"${process.execPath}" "${CLI}" dump --format xml ${files.map((f) => `"${f}"`).join(' ')} | head -c 1000 >/dev/null; echo "exit $?"`], { encoding: 'utf8' });
    assert.equal(head.stdout.trim(), 'exit 0');
    assert.doesNotMatch(head.stderr, /Error|^\s+at .*:\d+:\d+\)?$/m);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('dump: bad arguments are usage errors', async () => {
  await assert.rejects(() => dump([]), UsageError);
  await assert.rejects(() => dump(['--format', 'csv', 'x.evtx']), UsageError);
});
