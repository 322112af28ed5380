/** `tree`: process trees per host with WMI marks (why a process counts as WMI-launched), optionally only under one parent image. */
import type { ProcessInfo } from '../../../shared/model/graph';
import { printable } from '../../../shared/text/printable';
import type { ProcessForestData } from '../../correlation/process-tree';
import { parseArgs, type CliCommand, type CliIO } from '../command';
import { caseExitCode, openCaseOrImport } from '../import-evidence';
import { baseName } from '../../../shared/text/file-name';

function evidenceText(p: ProcessInfo): string {
  return p.evidence
    .slice(0, 4)
    .map((e) => `${e.eventId}#${e.recordId ?? e.recordNumber ?? '?'}`)
    .join(' ');
}

function line(p: ProcessInfo): string {
  const name = p.image ? baseName(p.image) : '(unknown image)';
  const parts = [`${printable(name, 80)}${p.pid !== null ? ` [${p.pid}]` : ''}`];
  if (p.sources.includes('stub')) parts.push('(creation not in the case)');
  else if (p.start) parts.push(p.start);
  if (p.user) parts.push(printable(p.user, 60));
  if (p.parentLink?.inferred) parts.push('parent: inferred from PID');
  if (p.wmi.length) parts.push(`WMI: ${p.wmi.map((m) => m.kind).join(', ')}`);
  parts.push(`{${evidenceText(p)}}`);
  return parts.join('  ');
}

/** Text rendering of a forest: one block per host, children indented under parents. */
export function renderForest(data: ProcessForestData, opts: { showCommandLines?: boolean } = {}): string {
  const byId = new Map(data.processes.map((p) => [p.id, p]));
  const out: string[] = [];
  for (const host of data.hosts) {
    const procs = data.processes.filter((p) => p.host === host);
    out.push(`host ${printable(host)} (${procs.filter((p) => !p.sources.includes('stub')).length} processes)`);
    const roots = procs.filter((p) => !p.parentId || !byId.has(p.parentId));
    const seen = new Set<string>();
    const walk = (p: ProcessInfo, prefix: string, last: boolean, top: boolean) => {
      if (seen.has(p.id)) return;
      seen.add(p.id);
      out.push(`${prefix}${top ? '' : last ? '└─ ' : '├─ '}${line(p)}`);
      const inner = prefix + (top ? '' : last ? '   ' : '│  ');
      if (opts.showCommandLines && p.commandLine) out.push(`${inner}   > ${printable(p.commandLine, 160)}`);
      for (const m of p.wmi) out.push(`${inner}   ! ${printable(m.why, 160)}`);
      const kids = p.childIds.map((c) => byId.get(c)).filter((c): c is ProcessInfo => !!c);
      kids.forEach((c, i) => walk(c, inner, i === kids.length - 1, false));
    };
    for (const r of roots) walk(r, '  ', true, true);
    out.push('');
  }
  return out.join('\n');
}

export const treeCommand: CliCommand = {
  name: 'tree',
  usage: 'wmi-workbench tree <case-or-inputs…> [--host H] [--parent-image wmiprvse.exe] [--command-lines] [--json]',
  summary: 'Print process trees per host (Sysmon 1 and Security 4688 merged; PID-inferred parents marked) with why each WMI-launched process is marked.',
  async run(args: string[], io: CliIO): Promise<number> {
    const a = parseArgs(args, { values: ['host', 'parent-image'], flags: ['json', 'command-lines'] });
    const opened = await openCaseOrImport(a.positionals, io);
    const client = opened.client;
    try {
      const data = await client.runTask<ProcessForestData>('processTrees', { host: a.values.host, parentImage: a.values['parent-image'] });
      if (a.flags.has('json')) io.stdout.write(JSON.stringify(data, null, 2) + '\n');
      else if (data.processes.length === 0) io.stdout.write('no matching processes\n');
      else io.stdout.write(renderForest(data, { showCommandLines: a.flags.has('command-lines') }));
      return caseExitCode(opened);
    } finally {
      await client.close();
    }
  },
};
