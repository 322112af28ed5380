/**
 * Test support for correlation: import corpus evidence through the real pipeline
 * (CaseClient: parse workers -> db worker), then reopen the case in this thread so the
 * correlation passes can run against a CaseDb directly. Cases are cached per input list.
 */
import { join } from 'node:path';
import { CORPUS } from '../../helpers/paths';
import type { EvidenceReference } from '../../../shared/model/detection';
import { CaseClient } from '../../../main/db/case-client';
import { CaseDb } from '../../../main/db/case-db';
import { correlateCase, type CorrelationResult } from '../../../main/correlation/evidence-graph';

export { CORPUS };
export const ATTACK = join(CORPUS, 'evtx', 'attack-samples');

export const SAMPLES = {
  commandLineConsumer: join(ATTACK, 'Persistence', 'sysmon_20_21_1_CommandLineEventConsumer.evtx'),
  wmiGhost: join(ATTACK, 'Persistence', 'wmighost_sysmon_20_21_1.evtx'),
  targetHost4688: join(ATTACK, 'Lateral Movement', 'LM_WMI_4624_4688_TargetHost.evtx'),
  wmiexec: join(ATTACK, 'Lateral Movement', 'LM_wmiexec_impacket_sysmon_whoami.evtx'),
  wmic4648: join(ATTACK, 'Lateral Movement', 'LM_WMIC_4648_rpcss.evtx'),
  covenant: join(CORPUS, 'json', 'otrf', 'covenant_sharpwmi_create_dcerpc_wmi.zip'),
  empire: join(CORPUS, 'json', 'otrf', 'empire_wmi_dcerpc_wmi_IWbemServices_ExecMethod.zip'),
  wmicXsl: join(CORPUS, 'json', 'otrf', 'wmic_remote_xsl_jscript.zip'),
};

const cases = new Map<string, Promise<CaseDb>>();

/** A case holding these evidence files (imported once per list). */
export function caseOf(...paths: string[]): Promise<CaseDb> {
  const key = paths.join('\0');
  let p = cases.get(key);
  if (!p) {
    p = (async () => {
      const client = await CaseClient.create();
      try {
        const r = await client.importEvidence(paths, { workers: 2 });
        if (r.inputErrors.length) throw new Error(`import failed: ${JSON.stringify(r.inputErrors)}`);
        const bytes = await client.exportBytes();
        return CaseDb.open(bytes);
      } finally {
        await client.close();
      }
    })();
    cases.set(key, p);
  }
  return p;
}

const results = new WeakMap<CaseDb, CorrelationResult>();
export async function correlated(...paths: string[]): Promise<{ db: CaseDb; c: CorrelationResult }> {
  const db = await caseOf(...paths);
  let c = results.get(db);
  if (!c) {
    c = correlateCase(db);
    results.set(db, c);
  }
  return { db, c };
}

/** "eventId:recordId" of each reference, for readable assertions. */
export const recs = (ev: readonly EvidenceReference[]): string[] => ev.map((e) => `${e.eventId}:${e.recordId}`);
