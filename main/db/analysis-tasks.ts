/**
 * Analyses that run inside the db worker, next to the data, called by name from the
 * case client (`CaseClient.runTask`). Each takes the CaseDb and a structured-cloneable
 * argument and returns a structured-cloneable result.
 */
import type { CaseDb } from './case-db';

export type AnalysisTask = (db: CaseDb, args: unknown) => unknown | Promise<unknown>;

export const ANALYSIS_TASKS: Record<string, AnalysisTask> = {
  eventCount: (db) => db.eventCount(),
};
