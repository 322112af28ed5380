/**
 * `hunt`: import evidence (or open a saved case, as tree and graph do), run Sigma rules (our
 * WMI pack unless --rules is given) and the subscription reconstruction, and report matches,
 * reconstructed subscriptions and every rule that was skipped or invalid (with the reason).
 */
import { existsSync } from 'node:fs';
import type { DetectionResult } from '../../../shared/model/detection';
import { printable } from '../../../shared/text/printable';
import { writeFileAtomic } from '../../db/atomic-write';
import { checkOutputFile } from '../output-file';
import { parseArgs, UsageError, type CliCommand, type CliIO } from '../command';
import { caseExitCode, openCaseOrImport, workersOption } from '../import-evidence';
import { baseName } from '../../../shared/text/file-name';

const MAX_LISTED = 25;

export function formatHuntReport(r: DetectionResult, usedPack: boolean): string {
  const lines: string[] = [];
  const s = r.summary;
  lines.push(
    `Rules: ${s.rulesLoaded} loaded${usedPack ? ' (WMI Workbench pack)' : ''}, ${s.rulesSkipped.length} skipped, ${s.ruleErrors.length} invalid; ${s.eventsScanned} events scanned`,
  );
  lines.push('');
  lines.push(`Detections: ${r.detections.length}`);
  for (const b of s.byRule) lines.push(`  ${b.level.padEnd(13)} ${String(b.count).padStart(6)}  ${printable(b.title, 100)}  [${b.ruleId}]`);
  const notable = r.detections.filter((d) => d.level === 'high' || d.level === 'critical').slice(0, MAX_LISTED);
  if (notable.length) {
    lines.push('  high/critical matches:');
    for (const d of notable) {
      const e = d.evidence;
      lines.push(
        `    ${d.time}  ${printable(d.host, 40)}  ${printable(d.ruleTitle, 70)}  (${printable(baseName(e.file), 60)}${e.archivePath ? '!' + printable(e.archivePath, 60) : ''} record ${e.recordId ?? e.recordNumber ?? '?'}, event ${e.eventId})${d.benign ? ' [benign: ' + printable(d.benign.reason, 80) + ']' : ''}`,
      );
    }
  }
  lines.push('');
  lines.push(`WMI subscriptions: ${r.subscriptions.length}`);
  for (const sub of r.subscriptions) {
    const payload = sub.consumer
      ? Object.entries(sub.consumer.payload)
          .filter(([, v]) => v)
          .map(([k, v]) => `${k}=${printable(String(v), 120)}`)
          .join('; ')
      : '';
    lines.push(`  [${sub.verdict.toUpperCase()}] ${printable(sub.host, 40)}${sub.temporary ? ' (temporary)' : ''}`);
    if (sub.filter) lines.push(`      filter   ${printable(sub.filter.name, 80)}: ${printable(sub.filter.query ?? '(query not logged)', 200)}`);
    if (sub.consumer) lines.push(`      consumer ${sub.consumer.className} ${printable(sub.consumer.name, 80)}: ${payload || '(payload not logged)'}`);
    if (sub.binding) lines.push(`      binding  ${printable(sub.binding.filterRef, 100)} -> ${printable(sub.binding.consumerRef, 100)}`);
    lines.push(`      lifecycle created ${sub.created ?? '-'}, modified ${sub.modified ?? '-'}, deleted ${sub.deleted ?? '-'}; user ${printable(sub.user ?? '-', 60)}; ${sub.evidence.length} records`);
    for (const d of sub.decoded.slice(0, 3)) lines.push(`      decoded (${d.method}): ${printable(d.text, 200)}`);
    for (const why of sub.reasons) lines.push(`      - ${printable(why, 200)}`);
  }
  if (s.rulesSkipped.length) {
    lines.push('');
    lines.push(`Skipped rules: ${s.rulesSkipped.length}`);
    const byReason = new Map<string, number>();
    for (const k of s.rulesSkipped) byReason.set(k.reason, (byReason.get(k.reason) ?? 0) + 1);
    for (const [reason, n] of [...byReason].sort((a, b) => b[1] - a[1]).slice(0, MAX_LISTED)) lines.push(`  ${String(n).padStart(5)}  ${printable(reason, 160)}`);
    if (byReason.size > MAX_LISTED) lines.push(`  … ${byReason.size - MAX_LISTED} more reasons (all rules are listed in --json)`);
  }
  if (s.ruleErrors.length) {
    lines.push('');
    lines.push(`Invalid rules: ${s.ruleErrors.length}`);
    for (const e of s.ruleErrors.slice(0, MAX_LISTED)) lines.push(`  ${printable(e.file, 120)}: ${printable(e.message, 200)}`);
    if (s.ruleErrors.length > MAX_LISTED) lines.push(`  … ${s.ruleErrors.length - MAX_LISTED} more (all are listed in --json)`);
  }
  return lines.join('\n') + '\n';
}

export const huntCommand: CliCommand = {
  name: 'hunt',
  usage: 'wmi-workbench hunt [--rules <file-or-dir>]… <case-or-inputs…> [--json FILE] [--force]',
  summary: 'Import evidence (or open a saved case) and run Sigma rules (the WMI pack unless --rules is given); report matches, WMI subscriptions and skipped rules.',
  async run(args: string[], io: CliIO): Promise<number> {
    const a = parseArgs(args, { values: ['json', 'workers'], repeat: ['rules'], flags: ['force'] });
    if (a.positionals.length === 0) throw new UsageError('name a case file, or evidence files, folders or archives');
    if (a.values.json !== undefined) checkOutputFile('json', a.values.json, [...a.positionals, ...(a.repeated.rules ?? [])], a.flags.has('force'));
    const rules = a.repeated.rules ?? [];
    for (const r of rules) if (!existsSync(r)) throw new UsageError(`--rules: ${r} does not exist`);
    const workers = workersOption(a.values.workers);
    const opened = await openCaseOrImport(a.positionals, io, workers);
    const { client, imported } = opened;
    try {
      const evidence = imported?.entries ?? (await client.ledger());
      const copies = evidence.filter((e) => e.duplicateOf !== undefined).length;
      const events = imported?.records ?? evidence.reduce((n, e) => n + e.records, 0);
      io.stderr.write(
        (opened.caseFile ? `case ${printable(opened.caseFile)}: ${events} events from ${evidence.length} files` : `${events} events imported from ${evidence.length} files`) +
          (copies ? ` (${copies} identical to files imported before them: not imported again)` : '') +
          '\n',
      );
      const result = await client.runTask<DetectionResult>('hunt', { rules });
      io.stdout.write(formatHuntReport(result, rules.length === 0));
      if (a.values.json) {
        const doc = {
          tool: 'wmi-workbench',
          command: 'hunt',
          generatedAt: new Date().toISOString(),
          inputs: a.positionals,
          ...(opened.caseFile ? { case: opened.caseFile } : {}),
          rules: rules.length ? rules : ['(WMI Workbench pack)'],
          evidence,
          inputErrors: imported?.inputErrors ?? [],
          summary: result.summary,
          subscriptions: result.subscriptions,
          detections: result.detections,
        };
        await writeFileAtomic(a.values.json, Buffer.from(JSON.stringify(doc, null, 2)));
        io.stdout.write(`JSON result written to ${a.values.json}\n`);
      }
      return caseExitCode(opened);
    } finally {
      await client.close();
    }
  },
};
