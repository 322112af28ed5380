/**
 * Detections as the UI, reports and `scan --json` show them: which rule fired on which
 * record, traceable to the evidence (file, record id, event id). Pure types.
 */

export type DetectionLevel = 'informational' | 'low' | 'medium' | 'high' | 'critical';

/** Where a claim comes from: one event record. */
export interface EvidenceReference {
  /** Row id of the event in the case database (events.id); null when not stored. */
  eventRowId: number | null;
  /** Evidence file as the analyst gave it. */
  file: string;
  /** Member path inside a zip archive. */
  archivePath?: string;
  /** EventRecordID as logged, or null. */
  recordId: number | null;
  /** Record number / line in the evidence file, when known. */
  recordNumber?: number;
  eventId: number;
  channel: string;
  time: string;
  host: string;
}

export interface Detection {
  ruleId: string;
  ruleTitle: string;
  level: DetectionLevel;
  tags: string[];
  /** 'pack' for the workbench's own WMI rules, 'sigma' for rules given by the analyst. */
  ruleSource: 'pack' | 'sigma';
  ruleFile: string;
  host: string;
  time: string;
  evidence: EvidenceReference;
  /** Benign-list verdict for this record (never hides the detection). */
  benign?: { reason: string };
}

export interface SkippedRuleInfo {
  file: string;
  ruleId?: string;
  title?: string;
  reason: string;
}

export interface RuleErrorInfo {
  file: string;
  ruleId?: string;
  title?: string;
  message: string;
}

export interface DetectionSummary {
  rulesLoaded: number;
  rulesSkipped: SkippedRuleInfo[];
  ruleErrors: RuleErrorInfo[];
  eventsScanned: number;
  /** Detections per rule id. */
  byRule: Array<{ ruleId: string; title: string; level: DetectionLevel; count: number }>;
}

/** One detection run over a case: what the UI, reports and `scan --json` show. */
export interface DetectionResult {
  summary: DetectionSummary;
  detections: Detection[];
  subscriptions: import('./subscription').WmiSubscription[];
}
