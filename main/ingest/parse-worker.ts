/**
 * A parse worker: takes evidence files from the case client one at a time, parses them
 * and sends packed event batches straight to the db worker on its own port, holding at
 * most a few unacknowledged batches (back-pressure).
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { packEvents } from '../db/event-row';
import type { DbPortMessage, ParsePortMessage, ParseTask, ParseWorkerMessage } from '../db/worker-protocol';
import { hashEvidenceFile, parseEvidenceFile } from './parse-evidence-file';

const dbPort = (workerData as { dbPort: MessagePort }).dbPort;
const MAX_IN_FLIGHT = 3;
let inFlight = 0;
let waiting: Array<() => void> = [];
let stored: ((sourceId: number) => void) | undefined;
let dbFailure: string | undefined;

dbPort.on('message', (m: DbPortMessage) => {
  if (m.type === 'ack') {
    inFlight--;
    const w = waiting;
    waiting = [];
    w.forEach((f) => f());
  } else if (m.type === 'source-stored') stored?.(m.sourceId);
  else {
    dbFailure = m.error;
    stored?.(-1);
    inFlight--;
    const w = waiting;
    waiting = [];
    w.forEach((f) => f());
  }
});

/**
 * Batches are copied to the db worker, not transferred: the first buffer a thread detaches (as a
 * transfer does) makes V8 check for detachment at every typed array access there from then on,
 * and this thread parses (EVTX on typed arrays) between batches (see evtx/parallel-types.ts).
 * Corpus EVTX import, medians of 5: 2022-2046 ms transferred, 1984-2003 copied.
 */
function send(m: ParsePortMessage): void {
  dbPort.postMessage(m);
}

const post = (m: ParseWorkerMessage) => parentPort!.postMessage(m);

parentPort!.on('message', async (task: ParseTask) => {
  if (task.type === 'hash') {
    try {
      post({ type: 'hashed', sourceId: task.sourceId, sha256: await hashEvidenceFile(task.item) });
    } catch (e) {
      post({ type: 'failed', sourceId: task.sourceId, error: (e as Error).message });
    }
    return;
  }
  try {
    let lastProgress = 0;
    const entry = await parseEvidenceFile(task.item, task.sourceId, {
      async emit(events) {
        while (inFlight >= MAX_IN_FLIGHT) await new Promise<void>((r) => waiting.push(r));
        if (dbFailure) throw new Error(`case database refused a batch: ${dbFailure}`);
        const batch = packEvents(events);
        inFlight++;
        send({ type: 'batch', batch });
      },
      progress(bytes, records) {
        const now = Date.now();
        if (now - lastProgress < 100) return;
        lastProgress = now;
        post({ type: 'progress', sourceId: task.sourceId, bytes, records });
      },
    }, task.sha256);
    while (inFlight > 0) await new Promise<void>((r) => waiting.push(r));
    const done = new Promise<number>((r) => (stored = r));
    send({ type: 'source', entry });
    await done;
    post({ type: 'done', sourceId: task.sourceId, entry });
  } catch (e) {
    post({ type: 'failed', sourceId: task.sourceId, error: (e as Error).message });
  }
});
