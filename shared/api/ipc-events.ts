/**
 * IPC channel names, one per API method. The Electron preload maps exactly these channels
 * and nothing else; the web shell serves the same methods as POST /api/<method>.
 */
import type { ApiMethod } from './interfaces';

export const IPC_CHANNELS = {
  shellInfo: 'wmi:shell-info',
  caseInfo: 'wmi:case-info',
  newCase: 'wmi:case-new',
  openCase: 'wmi:case-open',
  saveCase: 'wmi:case-save',
  chooseEvidence: 'wmi:dialog-evidence',
  chooseCaseToOpen: 'wmi:dialog-case-open',
  chooseCaseToSave: 'wmi:dialog-case-save',
  uploadEvidence: 'wmi:evidence-upload',
  startImport: 'wmi:import-start',
  importStatus: 'wmi:import-status',
  ledger: 'wmi:ledger',
  eventsPage: 'wmi:events-page',
  facets: 'wmi:facets',
  histogram: 'wmi:histogram',
  facetValues: 'wmi:facet-values',
  eventDetail: 'wmi:event-detail',
  fieldNames: 'wmi:field-names',
  sqlQuery: 'wmi:sql-query',
  savedQueries: 'wmi:saved-queries',
  saveQuery: 'wmi:saved-query-save',
  deleteQuery: 'wmi:saved-query-delete',
} as const satisfies Record<ApiMethod, `wmi:${string}`>;

export const API_METHODS = Object.keys(IPC_CHANNELS) as ApiMethod[];

export type IpcChannel = (typeof IPC_CHANNELS)[ApiMethod];

/** Methods the web shell does not serve (they need the desktop). */
export const ELECTRON_ONLY: readonly ApiMethod[] = ['chooseEvidence', 'chooseCaseToOpen', 'chooseCaseToSave'];
