/**
 * Winlogbeat's Sysmon module (and the Elastic Agent integration after it) moves many Sysmon
 * fields out of `winlog.event_data` into ECS fields: Image to `process.executable`,
 * CommandLine to `process.command_line`, ParentImage to `process.parent.executable`, User to
 * `user.domain` and `user.name`, and so on, event ID by event ID (SourceImage for 8 and 10,
 * ImageLoaded for 6 and 7, a WMI consumer's Destination for 20). This table reads them back
 * under their Sysmon names, so such a record carries the fields its EVTX record has, and with
 * them the indexed columns, the rules' fields and the process trees. A field still in
 * event_data wins. It is data: which field comes from where, nothing else.
 *
 * Transcribed from the module's processors (x-pack/winlogbeat/module/sysmon in Beats). Not
 * read back, as the module changes them beyond a move: UtcTime (it becomes @timestamp, the
 * event's time), Hashes (split into hash fields, their order lost), QueryResults and
 * QueryStatus (rewritten), Initiated and SourceIsIpv6 (turned into words).
 */
import type { EventFields } from '../../../shared/model/event';

/** An ECS path; or paths whose values, those present, are joined with '\' (User is domain\name). */
type EcsSource = string | readonly string[];
type FieldMap = Readonly<Record<string, EcsSource>>;

const RULE: FieldMap = { RuleName: 'rule.name' };
const PROCESS: FieldMap = { ...RULE, ProcessGuid: 'process.entity_id', ProcessId: 'process.pid', Image: 'process.executable' };
const USER: FieldMap = { User: ['user.domain', 'user.name'] };
const FILE: FieldMap = { TargetFilename: 'file.path' };
const PIPE: FieldMap = { ...PROCESS, PipeName: 'file.name' };

/** Sysmon event ID -> Sysmon field name -> where Winlogbeat puts it. */
const SYSMON_FROM_ECS: Readonly<Record<number, FieldMap>> = {
  1: {
    ...PROCESS, ...USER,
    CommandLine: 'process.command_line',
    CurrentDirectory: 'process.working_directory',
    OriginalFileName: 'process.pe.original_file_name',
    ParentProcessGuid: 'process.parent.entity_id',
    ParentProcessId: 'process.parent.pid',
    ParentImage: 'process.parent.executable',
    ParentCommandLine: 'process.parent.command_line',
  },
  2: { ...PROCESS, ...FILE },
  3: {
    ...PROCESS, ...USER,
    Protocol: 'network.transport',
    SourceIp: 'source.ip',
    SourceHostname: 'source.domain',
    SourcePort: 'source.port',
    DestinationIp: 'destination.ip',
    DestinationHostname: 'destination.domain',
    DestinationPort: 'destination.port',
    DestinationPortName: 'network.protocol',
  },
  5: PROCESS,
  6: { ...RULE, ImageLoaded: 'file.path' },
  7: { ...PROCESS, ImageLoaded: 'file.path', OriginalFileName: 'file.pe.original_file_name' },
  8: { ...RULE, SourceProcessGuid: 'process.entity_id', SourceProcessId: 'process.pid', SourceImage: 'process.executable' },
  9: { ...PROCESS, Device: 'file.path' },
  10: { ...RULE, SourceProcessGUID: 'process.entity_id', SourceProcessId: 'process.pid', SourceThreadId: 'process.thread.id', SourceImage: 'process.executable' },
  11: { ...PROCESS, ...FILE },
  12: PROCESS,
  13: PROCESS,
  14: PROCESS,
  15: { ...PROCESS, ...FILE },
  17: PIPE,
  18: PIPE,
  19: { ...RULE, ...USER },
  20: { ...RULE, ...USER, Destination: 'process.executable' },
  21: { ...RULE, ...USER },
  22: { ...PROCESS, QueryName: 'dns.question.name' },
  23: { ...PROCESS, ...USER, ...FILE },
  24: { ...PROCESS, ...USER },
  25: { ...PROCESS, ...USER },
  26: { ...PROCESS, ...USER, ...FILE },
};

type Obj = Record<string, unknown>;

/** The table with its paths split once: per event ID, each field and the key paths of its sources. */
const COMPILED = new Map<number, Array<{ name: string; paths: string[][] }>>(
  Object.entries(SYSMON_FROM_ECS).map(([id, map]) => [
    Number(id),
    Object.entries(map).map(([name, source]) => ({ name, paths: (typeof source === 'string' ? [source] : source).map((p) => p.split('.')) })),
  ]),
);

/** A scalar at a key path of a nested record, as text; undefined when absent, empty or not a scalar. */
function valueAt(record: Obj, keys: string[]): string | undefined {
  let v: unknown = record;
  for (const key of keys) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Obj)[key];
  }
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
}

/** Add to `data` the Sysmon fields of event `eventId` that Winlogbeat moved to the record's ECS fields and `data` lacks. */
export function addSysmonFieldsFromEcs(record: Obj, eventId: number, data: EventFields): void {
  const fields = COMPILED.get(eventId);
  if (!fields) return;
  for (const { name, paths } of fields) {
    if (data[name] !== undefined) continue;
    if (paths.length === 1) {
      const v = valueAt(record, paths[0]);
      if (v !== undefined) data[name] = v;
      continue;
    }
    // Several sources (user.domain, user.name): those present and not empty, joined with '\'.
    let joined: string | undefined;
    for (const p of paths) {
      const v = valueAt(record, p);
      if (v) joined = joined === undefined ? v : `${joined}\\${v}`;
    }
    if (joined !== undefined) data[name] = joined;
  }
}
