/**
 * Verdicts for reconstructed subscriptions: the known-benign list (data) first, then
 * weighted indicators on the trigger and the payload. Every verdict carries its reasons.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { WmiSubscription, Verdict } from '../../shared/model/subscription';

export interface KnownBenignEntry {
  id: string;
  reason: string;
  filter?: { name?: string; query?: string };
  consumer?: { class?: string; name?: string; payload?: string[] };
}

export interface KnownBenignList {
  entries: KnownBenignEntry[];
}

function globRe(p: string): RegExp {
  return new RegExp('^' + p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[\\s\\S]*').replace(/\?/g, '[\\s\\S]') + '$', 'i');
}

/** Parse known-benign.yml text; throws with a message naming what is wrong. */
export function parseKnownBenign(text: string, file = 'known-benign.yml'): KnownBenignList {
  const y = parse(text) as { entries?: unknown };
  if (!y || !Array.isArray(y.entries)) throw new Error(`${file}: expected a top-level 'entries' list`);
  const entries: KnownBenignEntry[] = [];
  y.entries.forEach((e: unknown, i: number) => {
    const o = e as Record<string, unknown>;
    if (!o || typeof o !== 'object') throw new Error(`${file}: entry ${i} is not a map`);
    if (typeof o.id !== 'string' || typeof o.reason !== 'string') throw new Error(`${file}: entry ${i} needs 'id' and 'reason'`);
    const f = o.filter as Record<string, unknown> | undefined;
    const c = o.consumer as Record<string, unknown> | undefined;
    if (!f && !c) throw new Error(`${file}: entry '${o.id}' needs a 'filter' or a 'consumer'`);
    entries.push({
      id: o.id,
      reason: o.reason,
      filter: f ? { name: f.name as string | undefined, query: f.query as string | undefined } : undefined,
      consumer: c
        ? {
            class: c.class as string | undefined,
            name: c.name as string | undefined,
            payload: c.payload === undefined ? undefined : (Array.isArray(c.payload) ? c.payload : [c.payload]).map(String),
          }
        : undefined,
    });
  });
  return { entries };
}

export function loadKnownBenign(path: string): KnownBenignList {
  return parseKnownBenign(readFileSync(path, 'utf8'), path);
}

function payloadTexts(s: WmiSubscription): string[] {
  const out: string[] = [];
  if (s.consumer) {
    for (const v of Object.values(s.consumer.payload)) if (typeof v === 'string' && v !== '') out.push(v);
    if (s.consumer.destination) out.push(s.consumer.destination);
  }
  return out;
}

/** The benign entry a subscription matches, or an imitation (names match, content does not). */
export function matchKnownBenign(s: WmiSubscription, list: KnownBenignList): { entry: KnownBenignEntry; imitation: boolean } | null {
  for (const e of list.entries) {
    // Names: only specific patterns count (a bare '*' names nothing).
    const specific = (p: string | undefined) => p !== undefined && p.replace(/\*/g, '') !== '';
    let namesGiven = 0;
    let namesMatch = true;
    if (specific(e.filter?.name)) {
      namesGiven++;
      if (!s.filter || !globRe(e.filter!.name!).test(s.filter.name)) namesMatch = false;
    }
    if (specific(e.consumer?.name)) {
      namesGiven++;
      if (!s.consumer || !globRe(e.consumer!.name!).test(s.consumer.name)) namesMatch = false;
    }
    if (!namesMatch) continue;
    let contentOk = true;
    if (e.filter?.query && (!s.filter?.query || !globRe(e.filter.query).test(s.filter.query))) {
      // A filter we never saw the query of cannot contradict the entry.
      if (s.filter?.query) contentOk = false;
    }
    if (e.consumer?.class && (!s.consumer || s.consumer.className.toLowerCase() !== e.consumer.class.toLowerCase())) contentOk = false;
    if (e.consumer?.payload) {
      const texts = payloadTexts(s);
      const pats = e.consumer.payload.map(globRe);
      if (!texts.some((t) => pats.some((p) => p.test(t)))) contentOk = false;
    }
    if (namesGiven === 0) {
      // Content-only entries (e.g. payload under a vendor folder) match on content alone.
      if (contentOk && (e.consumer?.payload || e.filter?.query)) return { entry: e, imitation: false };
      continue;
    }
    return { entry: e, imitation: !contentOk };
  }
  return null;
}

const INTERPRETERS =
  /(?:^|[\s\\/"'(=])(powershell(?:_ise)?(?:\.exe)?|pwsh(?:\.exe)?|cmd(?:\.exe)?|mshta(?:\.exe)?|rundll32(?:\.exe)?|regsvr32(?:\.exe)?|wscript(?:\.exe)?|cscript(?:\.exe)?|msiexec(?:\.exe)?|certutil(?:\.exe)?|bitsadmin(?:\.exe)?|msbuild(?:\.exe)?|installutil(?:\.exe)?|regasm(?:\.exe)?|regsvcs(?:\.exe)?|wmic(?:\.exe)?|schtasks(?:\.exe)?|curl(?:\.exe)?)(?![\w.])/i;
const SCRIPT_API = /ActiveXObject|CreateObject|WScript\.Shell|Shell\.Application|XMLHTTP|WinHttp|ADODB\.Stream|\.Run\s*\(|\.Exec\s*\(|eval\s*\(|Execute(?:Global)?\s*\(|GetObject\s*\(/i;
const USER_WRITABLE = /\\(Users|Temp|AppData|ProgramData|Public|Perflogs)\\|%temp%|%appdata%|%public%|%programdata%/i;

export interface ScoredVerdict {
  verdict: Verdict;
  reasons: string[];
  tags: string[];
}

/** Verdict, reasons and ATT&CK tags for one subscription. */
export function judge(s: WmiSubscription, list: KnownBenignList): ScoredVerdict {
  const reasons: string[] = [];
  const tags = new Set<string>(['attack.t1047']);
  if (!s.temporary && (s.consumer || s.binding)) tags.add('attack.t1546.003');
  if (s.temporary) tags.add('attack.t1546.003');
  let score = 0;
  const kb = matchKnownBenign(s, list);
  const texts = payloadTexts(s);
  const all = texts.join('\n');
  const cls = s.consumer?.className ?? '';
  if (cls === 'CommandLineEventConsumer') {
    score += 1;
    reasons.push('CommandLineEventConsumer runs a program whenever its filter fires');
  }
  if (cls === 'ActiveScriptEventConsumer') {
    score += 2;
    const engine = s.consumer?.payload.ScriptingEngine ?? '';
    reasons.push(`ActiveScriptEventConsumer runs ${engine || 'a'} script inside scrcons.exe`);
    if (/vbscript/i.test(engine)) tags.add('attack.t1059.005');
    else if (/jscript|javascript/i.test(engine)) tags.add('attack.t1059.007');
    else if (/ActiveXObject|var\s|function\s*\(/.test(all)) tags.add('attack.t1059.007');
    else if (/CreateObject|Dim\s|Set\s+\w+\s*=/i.test(all)) tags.add('attack.t1059.005');
  }
  const cmdTexts = s.consumer
    ? [s.consumer.payload.CommandLineTemplate, s.consumer.payload.ExecutablePath, cls === 'CommandLineEventConsumer' ? s.consumer.destination : undefined]
    : [];
  const scriptText = s.consumer?.payload.ScriptText ?? '';
  // In scripts, only interpreters the script launches count (Run/Exec/ShellExecute arguments).
  const launched = [...scriptText.matchAll(/\.(?:Run|Exec|ShellExecute|Create)\s*\(([^)]{0,400})\)/gi)].map((m) => m[1]);
  const interp = INTERPRETERS.exec([...cmdTexts.filter(Boolean), ...launched].join('\n'));
  if (interp) {
    score += 3;
    reasons.push(`payload starts an interpreter or LOLBin (${interp[1]})`);
    if (/powershell|pwsh/i.test(interp[1])) tags.add('attack.t1059.001');
    else if (/cmd/i.test(interp[1])) tags.add('attack.t1059.003');
    else tags.add('attack.t1218');
  }
  if (SCRIPT_API.test(all)) {
    score += 2;
    reasons.push('script creates COM objects / shells / HTTP clients or evaluates code');
  }
  if (/https?:\/\//i.test(all)) {
    score += 1;
    reasons.push('payload contains URLs');
  }
  if (s.decoded.length > 0) {
    score += 2;
    reasons.push(`payload is encoded or obfuscated (${[...new Set(s.decoded.map((d) => d.method))].join(', ')})`);
    tags.add('attack.t1027');
  }
  if (USER_WRITABLE.test(all)) {
    score += 2;
    reasons.push('payload runs from a user-writable folder');
  }
  const q = s.filter?.query ?? '';
  if (/SystemUpTime|Win32_PerfFormattedData_PerfOS_System/i.test(q)) {
    score += 2;
    reasons.push('filter fires shortly after boot (SystemUpTime / PerfOS_System trigger)');
  }
  if (/Win32_ProcessStartTrace|__InstanceCreationEvent[\s\S]*Win32_Process\b/i.test(q)) {
    score += 1;
    reasons.push('filter fires on process starts');
  }
  if (/__TimerEvent|__IntervalTimerInstruction|__AbsoluteTimerInstruction|Win32_LocalTime/i.test(q)) {
    score += 1;
    reasons.push('filter fires on a timer');
  }
  if (/Win32_LogonSession|Win32_LoggedOnUser/i.test(q)) {
    score += 1;
    reasons.push('filter fires on logons');
  }
  if (s.created && s.deleted && Date.parse(s.deleted) - Date.parse(s.created) < 10 * 60_000 && Date.parse(s.deleted) >= Date.parse(s.created)) {
    reasons.push('created and deleted within minutes (run-and-clean-up pattern)');
    score += 1;
  }
  const runs = s.lifecycle.filter((l) => l.action === 'executed').length;
  if (runs > 0) {
    score += 1;
    reasons.push(`the consumer ran: ${runs} process start${runs > 1 ? 's' : ''} by its WMI host recorded`);
  }
  if (kb && !kb.imitation) {
    return { verdict: 'benign', reasons: [`known benign: ${kb.entry.reason}`, ...reasons.map((r) => `(indicator) ${r}`)], tags: [...tags] };
  }
  if (kb?.imitation) {
    score += 2;
    reasons.unshift(`imitates known-benign '${kb.entry.id}' by name but its class, query or payload differs`);
  }
  let verdict: Verdict;
  if (score >= 3) verdict = 'malicious';
  else if (score >= 1) verdict = 'suspicious';
  else verdict = 'unknown';
  if (verdict === 'unknown') reasons.push('no indicator either way; review the filter and consumer');
  return { verdict, reasons, tags: [...tags] };
}
