/**
 * Evidence that could not be read, as hunt, tree and graph report it: on stderr, in the lines
 * scan's ledger prints for it, with exit code 1 (they exited 1 with no word of why).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { CLI, corpus, tempDir } from '../../helpers/paths';

const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 300_000 });

/** scan's ledger lines for the entry of `file`: its line and the `!` lines after it. */
function scanLines(stdout: string, file: string): string {
  const lines = stdout.split('\n');
  const at = lines.findIndex((l) => l.endsWith(`  ${file}`));
  assert.ok(at >= 0, stdout);
  let end = at + 1;
  while (lines[end]?.startsWith('      ! ')) end++;
  assert.ok(end > at + 1, `scan names an error for ${file}`);
  return lines.slice(at, end).join('\n') + '\n';
}

describe('unreadable evidence reported by hunt, tree and graph', () => {
  const dir = tempDir('unreadable');
  const notes = path.join(dir, 'notes.evtx');
  writeFileSync(notes, 'these are not events\n');
  const half = path.join(dir, 'half.zip');
  const zip = readFileSync(corpus('json', 'otrf', 'wmic_remote_xsl_jscript.zip'));
  writeFileSync(half, zip.subarray(0, zip.length >> 1));
  const good = corpus('evtx', 'attack-samples', 'Persistence', 'sysmon_20_21_1_CommandLineEventConsumer.evtx');

  for (const [file, why] of [[notes, /unrecognised content/], [half, /unreadable archive/]] as const) {
    it(`${path.basename(file)}: scan's ledger lines on stderr, exit code 1`, () => {
      const scan = run('scan', file);
      assert.equal(scan.status, 1);
      const expected = scanLines(scan.stdout, file);
      assert.match(expected, why);
      for (const cmd of [['hunt', file], ['tree', file], ['graph', file], ['hunt', good, file]]) {
        const r = run(...cmd);
        assert.equal(r.status, 1, `${cmd.join(' ')}: ${r.stderr}`);
        const files = cmd.length - 1;
        assert.ok(r.stderr.includes(`Evidence with errors (1 of ${files} files; scan prints the whole ledger):\n${expected}`), `${cmd.join(' ')}:\n${r.stderr}`);
      }
    });
  }

  it('readable evidence: nothing of the kind, exit code 0', () => {
    for (const cmd of ['hunt', 'tree', 'graph']) {
      const r = run(cmd, good);
      assert.equal(r.status, 0, `${cmd}: ${r.stderr}`);
      assert.doesNotMatch(r.stderr, /Evidence with errors/);
    }
  });
});
