/**
 * Deterministic mutation fuzzing of the EVTX parser: corpus files are damaged (bit flips,
 * truncations, zeroed and swapped chunks, random size fields, fake record signatures, header
 * damage) with a seeded PRNG, then parsed through the EvidenceParser from a stream cut into
 * random pieces. Each case checks: no throw, bounded time, and found = imported + rejected,
 * where "found" is counted independently at the reader layer.
 */
import * as fs from 'node:fs';
import { EvtxParser } from '../../../main/ingest/formats/evtx';
import { readEvtxBuffer } from '../../../main/evtx/reader';
import type { RecordSink } from '../../../main/ingest/evidence-parser';

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CHUNK = 65536;
const HEAD = 4096;

export type Mutation = 'bitflip' | 'truncate' | 'zero-chunk' | 'swap-chunks' | 'size-field' | 'fake-signature' | 'header' | 'garbage-run' | 'mixed';
export const MUTATIONS: Mutation[] = ['bitflip', 'truncate', 'zero-chunk', 'swap-chunks', 'size-field', 'fake-signature', 'header', 'garbage-run', 'mixed'];

function chunkCount(b: Uint8Array): number {
  return Math.max(0, Math.ceil((b.length - HEAD) / CHUNK));
}

function rd32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}
function wr32(b: Uint8Array, o: number, v: number): void {
  if (o < 0 || o + 4 > b.length) return;
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
  b[o + 2] = (v >>> 16) & 0xff;
  b[o + 3] = (v >>> 24) & 0xff;
}

/** Record positions (file offsets) of well-formed records, to aim size mutations at. */
function recordOffsets(b: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i + 8 <= b.length; ) {
    const j = b.indexOf(0x2a, i);
    if (j < 0 || j + 8 > b.length) break;
    if (b[j + 1] === 0x2a && b[j + 2] === 0 && b[j + 3] === 0) out.push(j);
    i = j + 1;
  }
  return out;
}

export function mutate(src: Uint8Array, m: Mutation, rnd: () => number): Uint8Array {
  const int = (n: number) => Math.floor(rnd() * n);
  let b: Uint8Array = new Uint8Array(src);
  const nChunks = chunkCount(b);
  switch (m) {
    case 'bitflip': {
      const n = 1 + int(64);
      for (let i = 0; i < n; i++) {
        const p = int(b.length);
        b[p] ^= 1 << int(8);
      }
      break;
    }
    case 'truncate':
      b = b.slice(0, int(b.length));
      break;
    case 'zero-chunk':
      if (nChunks > 0) {
        const c = int(nChunks);
        b.fill(0, HEAD + c * CHUNK, Math.min(b.length, HEAD + (c + 1) * CHUNK));
      }
      break;
    case 'swap-chunks':
      if (nChunks > 1) {
        const c1 = int(nChunks), c2 = int(nChunks);
        const a = b.slice(HEAD + c1 * CHUNK, HEAD + (c1 + 1) * CHUNK);
        const d = b.slice(HEAD + c2 * CHUNK, HEAD + (c2 + 1) * CHUNK);
        if (a.length === CHUNK && d.length === CHUNK) {
          b.set(d, HEAD + c1 * CHUNK);
          b.set(a, HEAD + c2 * CHUNK);
        }
      }
      break;
    case 'size-field': {
      const recs = recordOffsets(b);
      const n = 1 + int(8);
      for (let i = 0; i < n && recs.length > 0; i++) {
        const r = recs[int(recs.length)];
        const choice = int(5);
        const v = choice === 0 ? 0 : choice === 1 ? 0xffffffff : choice === 2 ? rd32(b, r + 4) + int(64) - 32 : choice === 3 ? int(70000) : 28;
        wr32(b, r + 4, v);
        // Sometimes also fix the trailing copy so the damage is only visible inside.
        if (int(2) === 0 && v >= 28 && r + v <= b.length) wr32(b, r + v - 4, v);
      }
      // Damage a value count / descriptor area inside a record.
      if (recs.length > 0) {
        const r = recs[int(recs.length)];
        for (let k = 0; k < 4; k++) wr32(b, r + 24 + int(200), int(2) ? 0xffffffff : int(65536));
      }
      break;
    }
    case 'fake-signature': {
      const n = 1 + int(32);
      for (let i = 0; i < n; i++) {
        const p = int(Math.max(1, b.length - 32));
        b[p] = 0x2a;
        b[p + 1] = 0x2a;
        b[p + 2] = 0;
        b[p + 3] = 0;
        const size = 28 + int(2000);
        wr32(b, p + 4, size);
        if (int(2) === 0) wr32(b, p + size - 4, size);
      }
      break;
    }
    case 'header': {
      // File header and chunk headers: counts, offsets, magic.
      wr32(b, 42, int(65536));
      if (int(2)) wr32(b, 120, int(4));
      for (let c = 0; c < nChunks; c++) {
        if (int(3) !== 0) continue;
        const base = HEAD + c * CHUNK;
        const what = int(4);
        if (what === 0) wr32(b, base + 48, int(70000));
        else if (what === 1) wr32(b, base + 44, int(70000));
        else if (what === 2) b[base + int(8)] ^= 0xff;
        else for (let k = 0; k < 16; k++) wr32(b, base + 128 + 4 * int(96), int(65536));
      }
      break;
    }
    case 'garbage-run': {
      const p = int(b.length);
      const len = int(4096);
      for (let i = p; i < Math.min(b.length, p + len); i++) b[i] = int(256);
      break;
    }
    case 'mixed': {
      const k = 2 + int(3);
      for (let i = 0; i < k; i++) b = mutate(b, MUTATIONS[int(MUTATIONS.length - 1)], rnd);
      break;
    }
  }
  return b;
}

export interface CaseResult {
  found: number;
  imported: number;
  rejected: number;
  recovered: number;
  errors: number;
  ms: number;
  badRef: number;
}

async function* pieces(b: Uint8Array, rnd: () => number): AsyncIterable<Uint8Array> {
  let p = 0;
  while (p < b.length) {
    const n = 1 + Math.floor(rnd() * 150000);
    yield b.subarray(p, p + n);
    p += n;
  }
}

/** Parse mutated bytes through the EvidenceParser; count independently at the reader layer. */
export async function runCase(b: Uint8Array, rnd: () => number): Promise<CaseResult> {
  let found = 0;
  readEvtxBuffer(b, { record: () => found++ });
  const r: CaseResult = { found, imported: 0, rejected: 0, recovered: 0, errors: 0, ms: 0, badRef: 0 };
  const sink: RecordSink = {
    accept: (e) => {
      r.imported++;
      if (e.recovered) r.recovered++;
      if (e.ref.offset === undefined || e.ref.offset < 0 || e.ref.offset >= b.length) r.badRef++;
    },
    reject: (x) => {
      r.rejected++;
      if (x.offset === undefined || x.offset < 0 || x.offset >= b.length || !x.reason) r.badRef++;
    },
    error: () => r.errors++,
    progress: () => {},
  };
  const t0 = Date.now();
  await new EvtxParser().parse({ sourceId: 1, path: 'fuzz.evtx', size: b.length, stream: () => pieces(b, rnd) }, sink);
  r.ms = Date.now() - t0;
  return r;
}

export function loadSeeds(files: string[]): Uint8Array[] {
  return files.map((f) => new Uint8Array(fs.readFileSync(f)));
}
