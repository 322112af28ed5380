/**
 * The worker thread that runs analyst SQL (snapshot-queries.ts): it holds a copy of the case,
 * never the case itself, so the thread can be terminated in the middle of a query.
 */
import { parentPort } from 'node:worker_threads';
import { CaseDb } from './case-db';
import type { QueryWorkerReply, QueryWorkerRequest } from './worker-protocol';

let db: CaseDb | undefined;

parentPort!.on('message', async (m: QueryWorkerRequest) => {
  let reply: QueryWorkerReply;
  try {
    if (m.type === 'load') {
      // The previous copy goes first: two copies of a large case need not fit at once.
      db?.close();
      db = undefined;
      db = await CaseDb.openToRead(m.bytes);
      reply = { type: 'loaded' };
    } else {
      if (!db) throw new Error('no snapshot of the case is loaded');
      reply = { type: 'result', result: db.readOnlyQuery(m.sql, m.maxRows) };
    }
  } catch (e) {
    reply = { type: 'failed', error: (e as Error).message, name: (e as Error).name };
  }
  parentPort!.postMessage(reply);
});
