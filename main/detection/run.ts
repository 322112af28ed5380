/**
 * One detection pass over a case: every stored event meets the Sigma rules that can match it
 * (our WMI pack unless rules are given) and feeds the subscription reconstruction. Pure: it
 * reads the case and returns the result; store.ts writes it.
 */
import { resolve } from 'node:path';
import type { Detection, DetectionLevel, DetectionResult } from '../../shared/model/detection';
import type { CaseDb } from '../db/case-db';
import { SubscriptionBuilder } from '../subscriptions/reconstruct';
import { loadKnownBenign, type KnownBenignList } from '../subscriptions/verdict';
import { evidenceOf, type EventWithRow } from './evidence';
import { knownBenignFile, packRulesDir } from './paths';
import { RuleSet } from './sigma/engine';

export interface DetectionOptions {
  /** Rule files or folders; our WMI pack when none are given. */
  rules?: string[];
  /** Known-benign list; the shipped one by default. */
  knownBenign?: KnownBenignList;
}

/** The events a detection pass reads (a CaseDb, or any event source for tests and benches). */
export interface EventSource {
  iterateEvents(filterSql?: string, params?: unknown[]): Iterable<EventWithRow>;
}

const ruleSetCache = new Map<string, RuleSet>();

/** Compile (once per process and rule list) the rule set for these paths. */
export function ruleSetFor(rules: string[] | undefined): { set: RuleSet; pack: boolean } {
  const pack = !rules || rules.length === 0;
  const paths = pack ? [packRulesDir()] : rules.map((r) => resolve(r));
  const key = paths.join('\0');
  let set = ruleSetCache.get(key);
  if (!set) {
    set = RuleSet.fromPaths(paths);
    ruleSetCache.set(key, set);
  }
  return { set, pack };
}

/** Run the rules and the reconstruction over every event of the source. */
export function runDetectionOn(source: EventSource, options: DetectionOptions = {}): DetectionResult {
  const { set, pack } = ruleSetFor(options.rules);
  const benign = options.knownBenign ?? loadKnownBenign(knownBenignFile());
  const builder = new SubscriptionBuilder(benign);
  const detections: Detection[] = [];
  let events = 0;
  for (const ev of source.iterateEvents()) {
    events++;
    builder.add(ev);
    const hits = set.match(ev);
    if (hits.length === 0) continue;
    const evidence = evidenceOf(ev);
    for (const r of hits) {
      detections.push({
        ruleId: r.id,
        ruleTitle: r.title,
        level: r.level as DetectionLevel,
        tags: r.tags,
        ruleSource: pack ? 'pack' : 'sigma',
        ruleFile: r.file,
        host: ev.computer,
        time: ev.timeCreated,
        evidence,
      });
    }
  }
  const subscriptions = builder.finish();
  // Label (never hide) detections on records behind benign subscriptions only. A record can be
  // evidence of several subscriptions (a filter shared by name: the built-in SCM filter bound to
  // an attacker's consumer of the same name as the genuine one); if any of them is not benign,
  // its detections stay unlabelled.
  const benignByRecord = new Map<string, string>();
  const notOnlyBenign = new Set<string>();
  const recKey = (e: Detection['evidence']) => `${e.eventRowId}|${e.file}|${e.archivePath ?? ''}|${e.recordId}|${e.recordNumber}|${e.eventId}|${e.time}`;
  for (const s of subscriptions)
    for (const e of s.evidence) {
      const k = recKey(e);
      if (s.verdict !== 'benign') notOnlyBenign.add(k);
      else if (!benignByRecord.has(k)) benignByRecord.set(k, s.reasons[0] ?? 'known benign subscription');
    }
  for (const d of detections) {
    const k = recKey(d.evidence);
    const reason = benignByRecord.get(k);
    if (reason && !notOnlyBenign.has(k)) d.benign = { reason };
  }
  const byRule = new Map<string, { ruleId: string; title: string; level: DetectionLevel; count: number }>();
  for (const d of detections) {
    const k = d.ruleId || d.ruleTitle;
    const x = byRule.get(k);
    if (x) x.count++;
    else byRule.set(k, { ruleId: d.ruleId, title: d.ruleTitle, level: d.level, count: 1 });
  }
  return {
    summary: {
      rulesLoaded: set.rules.length,
      rulesSkipped: set.skipped.map((s) => ({ ...s })),
      ruleErrors: set.errors.map((e) => ({ ...e })),
      eventsScanned: events,
      byRule: [...byRule.values()].sort((a, b) => b.count - a.count || a.title.localeCompare(b.title)),
    },
    detections,
    subscriptions,
  };
}

/** Detection over a case database. */
export function runDetection(db: CaseDb, options: DetectionOptions = {}): DetectionResult {
  return runDetectionOn(db, options);
}
