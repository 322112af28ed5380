/**
 * Reconstructed WMI event subscriptions: one object per subscription and host, joined from
 * every source that mentions it (WMI-Activity 5857-5861, Sysmon 19/20/21, PowerShell
 * 4103/4104, root\subscription audit output). Pure types.
 */
import type { EvidenceReference } from './detection';

export type Verdict = 'malicious' | 'suspicious' | 'benign' | 'unknown';

export type LifecycleAction = 'created' | 'modified' | 'deleted' | 'observed' | 'executed';

export interface LifecycleEntry {
  action: LifecycleAction;
  /** What the record is about. */
  object: 'filter' | 'consumer' | 'binding' | 'subscription';
  time: string;
  /** Short description of the source ("Sysmon 19", "WMI-Activity 5861", "PowerShell 4104", "audit"). */
  source: string;
  user?: string;
  evidence: EvidenceReference;
}

export interface WmiFilter {
  name: string;
  query: string | null;
  queryLanguage: string | null;
  eventNamespace: string | null;
  /** The namespace the filter object lives in (normally root\subscription). */
  namespace: string | null;
}

/** Consumer payload fields, by consumer class. */
export interface WmiConsumerPayload {
  CommandLineTemplate?: string;
  ExecutablePath?: string;
  WorkingDirectory?: string;
  ScriptText?: string;
  ScriptingEngine?: string;
  ScriptFileName?: string;
  /** LogFileEventConsumer */
  Filename?: string;
  Text?: string;
  /** NTEventLogEventConsumer */
  SourceName?: string;
  EventID?: string;
  InsertionStringTemplates?: string;
  /** SMTPEventConsumer */
  SMTPServer?: string;
  ToLine?: string;
  FromLine?: string;
  Subject?: string;
  Message?: string;
  /** Any other property seen. */
  [other: string]: string | undefined;
}

export interface WmiConsumer {
  /** Class: CommandLineEventConsumer, ActiveScriptEventConsumer, LogFileEventConsumer, NTEventLogEventConsumer, SMTPEventConsumer... */
  className: string;
  name: string;
  payload: WmiConsumerPayload;
  /** Sysmon 20 Destination as logged, when that is all we know. */
  destination?: string;
}

/** A decoded stage of a payload, shown beside the raw text. */
export interface DecodedPayload {
  /** How it was obtained: 'powershell-encodedcommand', 'base64-utf16le', 'base64-utf8', 'gzip', 'deflate', 'char-codes', 'concatenation'. */
  method: string;
  /** Where in the raw text (first characters of the encoded part). */
  from: string;
  text: string;
}

export interface WmiSubscription {
  /** Stable key: host + filter name + consumer class/name. */
  key: string;
  host: string;
  filter: WmiFilter | null;
  consumer: WmiConsumer | null;
  /** The binding's references as logged ("__EventFilter.Name=\"x\"", "CommandLineEventConsumer.Name=\"y\""). */
  binding: { filterRef: string; consumerRef: string } | null;
  /** Temporary subscription (5860): lives in a client process, not in the repository. */
  temporary: boolean;
  lifecycle: LifecycleEntry[];
  created: string | null;
  modified: string | null;
  deleted: string | null;
  /** Account that created it and the machine it came from, when logged. */
  user: string | null;
  clientMachine: string | null;
  /** Every record behind this object. */
  evidence: EvidenceReference[];
  decoded: DecodedPayload[];
  verdict: Verdict;
  reasons: string[];
  tags: string[];
}
