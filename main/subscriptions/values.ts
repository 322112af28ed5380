/**
 * Helpers for the way WMI subscription values are logged. Sysmon 19/20/21 write each value
 * with a leading space, in double quotes, with backslashes and quotes escaped
 * (` "root\\cimv2"`, ` "CommandLineEventConsumer.Name=\"x\""`); binding references name
 * objects as `[\\host\namespace:]Class.Name="value"`.
 */

/** Undo Sysmon's quoting: trim, drop the surrounding quotes, undo `\\` and `\"` escapes. */
export function sysmonValue(v: string | undefined): string {
  if (v === undefined) return '';
  let s = v.trim();
  if (s.length >= 2 && s.startsWith('"') && s.endsWith('"')) {
    s = s.slice(1, -1);
    let out = '';
    for (let i = 0; i < s.length; i++) {
      const c = s[i];
      if (c === '\\' && (s[i + 1] === '\\' || s[i + 1] === '"')) {
        out += s[i + 1];
        i++;
      } else out += c;
    }
    return out;
  }
  return s;
}

export interface WmiObjectRef {
  host: string | null;
  namespace: string | null;
  className: string;
  /** Value of the Name key (or the first key). */
  name: string;
}

/** Parse `[\\host\namespace:]Class.Name="value"` (also `Class="value"` and single quotes). */
export function parseObjectRef(ref: string): WmiObjectRef | null {
  let s = ref.trim();
  if (s === '') return null;
  let host: string | null = null;
  let namespace: string | null = null;
  const colon = s.search(/:[A-Za-z_][\w]*(?:\.|=)/);
  if (colon > 0) {
    const path = s.slice(0, colon);
    s = s.slice(colon + 1);
    const m = /^[\\/]{2}([^\\/]+)[\\/](.*)$/.exec(path);
    if (m) {
      host = m[1];
      namespace = m[2].replace(/\//g, '\\');
    } else namespace = path.replace(/\//g, '\\');
  }
  const m = /^([A-Za-z_]\w*)(?:\.(\w+))?\s*=\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|(.*))$/.exec(s);
  if (!m) {
    const bare = /^([A-Za-z_]\w*)$/.exec(s);
    return bare ? { host, namespace, className: bare[1], name: '' } : null;
  }
  const raw = m[3] ?? m[4] ?? m[5] ?? '';
  const name = raw.replace(/\\(["'\\])/g, '$1');
  return { host, namespace, className: m[1], name };
}

/** Sysmon 20 `Type` to the consumer class it reports. */
export function consumerClassOfSysmonType(type: string): string {
  const t = type.trim().toLowerCase();
  if (t === 'command line' || t === 'commandline') return 'CommandLineEventConsumer';
  if (t === 'script') return 'ActiveScriptEventConsumer';
  if (t === 'log file' || t === 'logfile') return 'LogFileEventConsumer';
  if (t === 'event log' || t === 'ntevent log' || t === 'nteventlog') return 'NTEventLogEventConsumer';
  if (t === 'smtp') return 'SMTPEventConsumer';
  return type.trim() || 'UnknownEventConsumer';
}

/** Which payload field a Sysmon 20 Destination is, by consumer class. */
export function destinationField(className: string): string {
  switch (className) {
    case 'CommandLineEventConsumer':
      return 'CommandLineTemplate';
    case 'ActiveScriptEventConsumer':
      return 'ScriptText';
    case 'LogFileEventConsumer':
      return 'Filename';
    case 'NTEventLogEventConsumer':
      return 'SourceName';
    case 'SMTPEventConsumer':
      return 'ToLine';
    default:
      return 'Destination';
  }
}

/** Fields that make up a consumer's payload, by class (others are kept too, these come first). */
export const PAYLOAD_FIELDS = [
  'CommandLineTemplate', 'ExecutablePath', 'WorkingDirectory', 'ScriptText', 'ScriptingEngine', 'ScriptFileName',
  'Filename', 'Text', 'MaximumFileSize', 'SourceName', 'EventID', 'EventType', 'Category', 'InsertionStringTemplates',
  'UNCServerName', 'SMTPServer', 'ToLine', 'FromLine', 'CcLine', 'BccLine', 'Subject', 'Message', 'ReplyToLine',
  'RunInteractively', 'KillTimeout', 'ShowWindowCommand', 'CreateNewConsole', 'CreateNewProcessGroup', 'DesktopName',
];

/** Properties of subscription classes that are not payload. */
export const NON_PAYLOAD = new Set([
  '__CLASS', '__SUPERCLASS', '__DYNASTY', '__RELPATH', '__PROPERTY_COUNT', '__DERIVATION', '__SERVER', '__NAMESPACE', '__PATH',
  '__GENUS', 'Name', 'CreatorSID', 'MachineName', 'MaximumQueueSize', 'PSComputerName', 'Scope', 'Path', 'Options',
  'ClassPath', 'Properties', 'SystemProperties', 'Qualifiers', 'Site', 'Container', 'CimClass', 'CimInstanceProperties',
  'CimSystemProperties',
]);
