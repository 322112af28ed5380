/**
 * The preload (sandboxed): exposes exactly the typed API as `window.wmiWorkbench`, one
 * function per channel of shared/api/ipc-events.ts, and nothing else — no ipcRenderer, no
 * Node. A sandboxed preload can require only 'electron', so the channel table is repeated
 * here; the compiler checks it is exactly IPC_CHANNELS (same keys, same channel names),
 * and test/main/electron-main checks the compiled file.
 */
import { contextBridge, ipcRenderer } from 'electron';
import type * as Ipc from '../../shared/api/ipc-events';
import type { WorkbenchBridge } from '../../shared/api/interfaces';

const CHANNELS = {
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
} as const satisfies typeof Ipc.IPC_CHANNELS;
// And the other way round: every channel of IPC_CHANNELS is here with the same name.
const _same: typeof CHANNELS = null as unknown as typeof Ipc.IPC_CHANNELS;
void _same;

const bridge = {} as Record<string, (req: unknown) => Promise<unknown>>;
for (const [method, channel] of Object.entries(CHANNELS)) {
  // Only the request object crosses; the caller never sees the IPC event or ipcRenderer.
  bridge[method] = (req: unknown) => ipcRenderer.invoke(channel, req ?? {});
}

contextBridge.exposeInMainWorld('wmiWorkbench', Object.freeze(bridge) as unknown as WorkbenchBridge);
