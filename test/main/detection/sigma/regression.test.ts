/**
 * SigmaHQ regression conformance: every case under ../shared/corpus/sigma/regression_data
 * must give exactly its match_count for its rule. Cases without a match_count are positive
 * tests: SigmaHQ's runner requires at least one match there.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { RuleSet } from '../../../../main/detection/sigma/engine';
import type { NormalizedEvent } from '../../../../shared/model/event';
import { evtxParser } from '../../../../main/ingest/formats/evtx';
import { parseWith, ruleFilesById, SIGMA, sigmaRuleDirs } from '../corpus';

interface Case {
  info: string;
  ruleId: string;
  evtx: string;
  expected: number | null;
}

/**
 * Cases whose info.yml match_count contradicts its own evidence. SigmaHQ's runner only checks
 * that the rule fires, so these were never caught upstream. Each entry lists the records that
 * satisfy the rule (checked by hand against evtxexport output); we require that exact count.
 */
const ERRATA: Record<string, { count: number; why: string }> = {
  'regression_data/rules/windows/file/file_event/file_event_win_anydesk_artefact': {
    count: 3,
    why: 'info.yml says 1, but records 14985, 14988 and 14990 all have TargetFilename containing \\AppData\\Roaming\\AnyDesk\\user.conf',
  },
  'regression_data/rules/windows/registry/registry_set/registry_set_disable_administrative_share': {
    count: 2,
    why: 'info.yml says 1, but records 28656599 (AutoShareServer) and 28656618 (AutoShareWks) both set DWORD (0x00000000)',
  },
};

function findInfos(d: string, out: string[]): void {
  for (const e of readdirSync(d, { withFileTypes: true })) {
    const p = join(d, e.name);
    if (e.isDirectory()) findInfos(p, out);
    else if (e.name === 'info.yml') out.push(p);
  }
}

function cases(): Case[] {
  const infos: string[] = [];
  findInfos(join(SIGMA, 'regression_data'), infos);
  const out: Case[] = [];
  for (const info of infos.sort()) {
    const y = parse(readFileSync(info, 'utf8')) as {
      rule_metadata?: Array<{ id?: string }>;
      regression_tests_info?: Array<{ path?: string; match_count?: number; type?: string }>;
    };
    const ruleId = y.rule_metadata?.[0]?.id ?? '';
    for (const t of y.regression_tests_info ?? []) {
      if (t.type !== 'evtx' || !t.path) continue;
      out.push({ info, ruleId, evtx: join(SIGMA, t.path), expected: typeof t.match_count === 'number' ? t.match_count : null });
    }
  }
  return out;
}

test('sigma regression cases give their match_count', async (t) => {
  const all = cases();
  assert.ok(all.length >= 100, `expected the 105 SigmaHQ regression cases, found ${all.length}`);
  const byId = ruleFilesById(sigmaRuleDirs());
  const via = 'EVTX parser';
  const failures: string[] = [];
  let pass = 0;
  let exact = 0;
  const corrected: string[] = [];
  const recoveredMatches: string[] = [];
  for (const c of all) {
    const name = relative(SIGMA, dirname(c.info));
    const ruleFile = byId.get(c.ruleId.toLowerCase());
    if (!ruleFile) {
      failures.push(`${name}: rule ${c.ruleId} not found under sigma/rules*`);
      continue;
    }
    const rs = RuleSet.fromPaths([ruleFile]);
    if (rs.rules.length !== 1) {
      failures.push(`${name}: rule not usable: ${[...rs.errors.map((e) => e.message), ...rs.skipped.map((s) => s.reason)].join('; ')}`);
      continue;
    }
    const events: NormalizedEvent[] = await parseWith(evtxParser, c.evtx);
    // SigmaHQ's reference reads live records only; records the parser carved from slack
    // space (recovered) are real evidence but not part of the expected counts.
    let n = 0;
    for (const e of events) {
      if (rs.match(e).length === 0) continue;
      if (e.recovered) recoveredMatches.push(`${name}: record ${e.recordId} (recovered)`);
      else n++;
    }
    const ok = c.expected === null ? n >= 1 : n === c.expected;
    const erratum = ERRATA[name];
    if (ok) {
      pass++;
      exact++;
    } else if (erratum && n === erratum.count) {
      pass++;
      corrected.push(`${name}: ${erratum.why}`);
    } else failures.push(`${name}: ${n} matches, expected ${c.expected === null ? 'at least 1' : c.expected} (${events.length} events)`);
  }
  t.diagnostic(`events read via ${via}`);
  const line = `sigma regression: ${pass}/${all.length} cases pass (${exact} exactly as info.yml states, ${corrected.length} against corrected counts)`;
  for (const c of corrected) t.diagnostic(`corrected: ${c}`);
  for (const r of recoveredMatches) t.diagnostic(`also matched in a recovered record: ${r}`);
  console.log(line);
  t.diagnostic(line);
  assert.deepEqual(failures, [], `${line}\n${failures.join('\n')}`);
});
