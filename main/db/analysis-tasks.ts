/**
 * Analyses that run inside the db worker, next to the data, called by name from the
 * case client (`CaseClient.runTask`). Each takes the CaseDb and a structured-cloneable
 * argument and returns a structured-cloneable result.
 */
import type { CaseDb } from './case-db';
import * as correlation from '../correlation/tasks';
import { runDetection } from '../detection/run';
import { detectionReport, saveDetectionResult } from '../detection/store';

export type AnalysisTask = (db: CaseDb, args: unknown) => unknown | Promise<unknown>;

export const ANALYSIS_TASKS: Record<string, AnalysisTask> = {
  eventCount: (db) => db.eventCount(),
  /** Sigma rules (our pack unless `rules` names files/folders) and subscription reconstruction, stored in the case. */
  hunt: (db, args) => {
    const result = runDetection(db, { rules: (args as { rules?: string[] } | undefined)?.rules ?? [] });
    saveDetectionResult(db, result);
    return result;
  },
  /** The `subscriptions` and `detections` sections of `scan --json`. */
  scanReport: (db) => detectionReport(db),
  processTrees: correlation.processTreesTask,
  processesByParentImage: correlation.processesByParentImageTask,
  eventsByParentImage: correlation.eventsByParentImageTask,
  executionChains: correlation.executionChainsTask,
  lateralMovement: correlation.lateralMovementTask,
  evidenceGraph: correlation.evidenceGraphTask,
};
