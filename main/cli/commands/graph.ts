/** `graph`: the evidence graph of a case (or of evidence imported on the fly), whole or one subscription / host / process, as Cytoscape.js JSON or GraphML. */
import { printable } from '../../../shared/text/printable';
import { writeFileAtomic } from '../../db/atomic-write';
import { checkOutputFile } from '../output-file';
import type { EvidenceGraphTaskResult } from '../../correlation/tasks';
import { parseArgs, UsageError, type CliCommand, type CliIO } from '../command';
import { caseExitCode, openCaseOrImport } from '../import-evidence';

export const graphCommand: CliCommand = {
  name: 'graph',
  usage: 'wmi-workbench graph <case-or-inputs…> [--subscription NAME | --host NAME | --process GUID] [--format cytoscape|graphml] [--out FILE] [--force]',
  summary: 'Export the evidence graph (hosts, users, subscriptions, processes, files, registry, endpoints, services, detections; every link with its records) as Cytoscape.js JSON or GraphML.',
  async run(args: string[], io: CliIO): Promise<number> {
    const a = parseArgs(args, { values: ['subscription', 'host', 'process', 'format', 'out'], flags: ['force'] });
    if (a.values.out !== undefined) checkOutputFile('out', a.values.out, a.positionals, a.flags.has('force'));
    const format = a.values.format ?? 'cytoscape';
    if (format !== 'cytoscape' && format !== 'graphml') throw new UsageError('--format is cytoscape or graphml');
    const selectors = ['subscription', 'host', 'process'].filter((k) => a.values[k] !== undefined);
    if (selectors.length > 1) throw new UsageError('give at most one of --subscription, --host, --process');
    const opened = await openCaseOrImport(a.positionals, io);
    const client = opened.client;
    try {
      const r = await client.runTask<EvidenceGraphTaskResult>('evidenceGraph', {
        subscription: a.values.subscription,
        host: a.values.host,
        process: a.values.process,
        format,
      });
      if (selectors.length === 1 && r.nodes === 0) io.stderr.write(`warning: nothing in the case matches --${selectors[0]} ${printable(a.values[selectors[0]])}\n`);
      if (a.values.out) {
        await writeFileAtomic(a.values.out, Buffer.from(r.text ?? '', 'utf8'));
        io.stderr.write(`evidence graph: ${r.nodes} nodes, ${r.edges} edges written to ${printable(a.values.out)} (${format})\n`);
      } else {
        io.stdout.write(r.text ?? '');
        io.stderr.write(`evidence graph: ${r.nodes} nodes, ${r.edges} edges (${format})\n`);
      }
      return caseExitCode(opened);
    } finally {
      await client.close();
    }
  },
};
