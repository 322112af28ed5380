/**
 * Detection over the whole corpus (every EVTX under ../shared/corpus/evtx and the OTRF JSON
 * datasets) with the full SigmaHQ rule set (../shared/corpus/sigma/rules*), then with our WMI
 * pack. Prints compile time, events/s, rule evaluations/s and events/s × rules.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CaseClient } from '../../main/db/case-client';
import { CaseDb, type StoredEvent } from '../../main/db/case-db';
import { packRulesDir } from '../../main/detection/paths';
import { runDetectionOn } from '../../main/detection/run';
import { RuleSet } from '../../main/detection/sigma/engine';
import { CORPUS } from '../helpers/paths';

function fmt(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : n.toFixed(0);
}

function measure(label: string, rs: RuleSet, events: StoredEvent[], out: (s: string) => void): void {
  // Warm-up pass (JIT, lazily built lowercase caches are per event, so nothing carries over).
  for (let i = 0; i < Math.min(events.length, 2000); i++) rs.match(events[i]);
  let evaluations = 0;
  for (const e of events) evaluations += rs.candidates(e.channel, e.eventId);
  let matches = 0;
  const rounds = 3;
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) for (const e of events) matches += rs.match(e).length;
  const s = (performance.now() - t0) / 1000 / rounds;
  const eps = events.length / s;
  out(
    `${label}: ${rs.rules.length} rules (${rs.skipped.length} skipped, ${rs.errors.length} invalid) over ${events.length} events: ` +
      `${(s * 1000).toFixed(0)} ms per pass, ${fmt(eps)} events/s, ${fmt(eps * rs.rules.length)} event×rules/s nominal, ` +
      `${fmt(evaluations / s)} indexed rule evaluations/s (${(evaluations / events.length).toFixed(1)} candidate rules per event), ${matches / rounds} matches\n`,
  );
}

export async function bench(): Promise<void> {
  const out = (s: string) => process.stdout.write(s);
  const corpus = CORPUS;
  const sigma = join(corpus, 'sigma');
  const client = await CaseClient.create();
  let db: CaseDb | undefined;
  try {
    const t0 = performance.now();
    const imported = await client.importEvidence([join(corpus, 'evtx'), join(corpus, 'json', 'otrf')]);
    out(`imported ${imported.records} events from ${imported.entries.length} files in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    db = await CaseDb.open(await client.exportBytes());
    const t1 = performance.now();
    const events = [...db.iterateEvents()];
    out(`read ${events.length} events back from the case in ${((performance.now() - t1) / 1000).toFixed(2)} s\n`);

    const t2 = performance.now();
    const dirs = readdirSync(sigma)
      .filter((n) => n.startsWith('rules'))
      .map((n) => join(sigma, n));
    const full = RuleSet.fromPaths(dirs);
    out(`SigmaHQ rule set: loaded and compiled in ${((performance.now() - t2) / 1000).toFixed(2)} s\n`);
    measure('SigmaHQ rules', full, events, out);

    const pack = RuleSet.fromPaths([packRulesDir()]);
    measure('WMI pack', pack, events, out);

    const t3 = performance.now();
    const r = runDetectionOn({ iterateEvents: () => events }, {});
    out(
      `runDetection (pack + subscription reconstruction): ${((performance.now() - t3) / 1000).toFixed(2)} s, ` +
        `${r.detections.length} detections, ${r.subscriptions.length} subscriptions\n`,
    );
    const t4 = performance.now();
    const r2 = runDetectionOn(db, { rules: dirs });
    const s4 = (performance.now() - t4) / 1000;
    out(
      `runDetection over the case database with the SigmaHQ rules: ${s4.toFixed(2)} s (${fmt(r2.summary.eventsScanned / s4)} events/s incl. reading rows), ` +
        `${r2.detections.length} detections from ${r2.summary.byRule.length} rules\n`,
    );
  } finally {
    db?.close();
    await client.close();
  }
}
