/**
 * The loopback web shell: the built renderer and the API under /api/, over HTTP on
 * 127.0.0.1 only. Defences, in the order a request meets them:
 *  - the Host header must be 127.0.0.1:PORT or localhost:PORT (no DNS rebinding);
 *  - a random per-run token: the API wants it in the X-Workbench-Token header (a page on
 *    another origin can neither read it nor send it without a CORS preflight, which is never
 *    granted); the page itself is opened once with ?token=…, which sets an HttpOnly,
 *    SameSite=Strict cookie so its own static assets load;
 *  - no CORS headers at all, a strict CSP, nosniff, no caching, no framing;
 *  - every API request is validated by WorkbenchApi.dispatch (zod) before the core sees it;
 *    uploads are streamed to a private folder with the CLI's ingest size limit, then go
 *    through the same importer (and its archive limits) as the CLI.
 */
import { CONTENT_SECURITY_POLICY } from '../../shared/api/content-security-policy';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { ELECTRON_ONLY } from '../../shared/api/ipc-events';
import type { ApiMethod } from '../../shared/api/interfaces';
import { DEFAULT_LIMITS } from '../ingest/evidence-sources';
import { isApiMethod } from '../api/validation';
import { ApiError, errorBody, type WorkbenchApi } from '../api/workbench-api';
import { caseDownloadName } from '../../shared/text/file-name';

export const TOKEN_HEADER = 'x-workbench-token';

/** Largest JSON request body (SQL text and filters are far below it). */
const MAX_JSON_BYTES = 4 * 1024 * 1024;
/** Largest uploaded evidence file: the importer's own per-file limit. */
export const MAX_UPLOAD_BYTES = DEFAULT_LIMITS.maxMemberBytes;

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

export interface WebServerOptions {
  api: WorkbenchApi;
  /** The built renderer (dist/renderer). */
  staticDir: string;
  /** 0 picks a free port. */
  port?: number;
  /** Fixed token (tests); random otherwise. */
  token?: string;
}

export interface WebServer {
  url: string;
  port: number;
  token: string;
  server: http.Server;
  close(): Promise<void>;
}

function securityHeaders(res: http.ServerResponse): void {
  res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), usb=(), serial=(), hid=()');
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const s = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(s) });
  res.end(s);
}

function sendText(res: http.ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function sameSecret(a: string | undefined, b: string): boolean {
  if (typeof a !== 'string') return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function cookieValue(req: http.IncomingMessage, name: string): string | undefined {
  const h = req.headers.cookie;
  if (!h) return undefined;
  for (const part of h.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > MAX_JSON_BYTES) throw new ApiError('request too large', 'invalid-request');
    chunks.push(c);
  }
  if (n === 0) return {};
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new ApiError('request body is not JSON', 'invalid-request');
  }
}

const STATUS: Record<ApiError['kind'], number> = { 'invalid-request': 400, 'not-found': 404, refused: 409, exists: 409, internal: 500 };

export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const staticRoot = path.resolve(opts.staticDir);
  let port = 0;
  const cookieName = () => `wmiwb_${port}`;

  const allowedHost = (h: string | undefined): boolean => {
    if (!h) return false;
    const v = h.toLowerCase();
    return v === `127.0.0.1:${port}` || v === `localhost:${port}`;
  };

  const serveStatic = async (req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendText(res, 405, 'method not allowed');
    const fromQuery = url.searchParams.get('token') ?? undefined;
    const fromCookie = cookieValue(req, cookieName());
    if (!sameSecret(fromQuery, token) && !sameSecret(fromCookie, token)) {
      return sendText(res, 401, 'WMI Workbench: open the URL printed by `wmi-workbench serve` (it carries this run\'s token).\n');
    }
    if (sameSecret(fromQuery, token)) {
      res.setHeader('Set-Cookie', `${cookieName()}=${token}; HttpOnly; SameSite=Strict; Path=/`);
    }
    let rel: string;
    try {
      rel = decodeURIComponent(url.pathname);
    } catch {
      return sendText(res, 400, 'bad path');
    }
    if (rel.includes('\u0000')) return sendText(res, 400, 'bad path');
    if (rel === '/' || rel === '') rel = '/index.html';
    const file = path.resolve(staticRoot, '.' + rel);
    if (file !== staticRoot && !file.startsWith(staticRoot + path.sep)) return sendText(res, 404, 'not found');
    const st = await fs.stat(file).catch(() => undefined);
    if (!st?.isFile()) return sendText(res, 404, 'not found');
    res.writeHead(200, { 'Content-Type': MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream', 'Content-Length': st.size });
    if (req.method === 'HEAD') return void res.end();
    await pipeline(createReadStream(file), res);
  };

  const upload = async (req: http.IncomingMessage, res: http.ServerResponse, url: URL, purpose: 'evidence' | 'case'): Promise<void> => {
    const ctype = (req.headers['content-type'] ?? '').toLowerCase();
    if (!ctype.startsWith('application/octet-stream')) {
      throw new ApiError('uploads are sent as the raw file body (Content-Type: application/octet-stream)', 'invalid-request');
    }
    const name = url.searchParams.get('name') ?? '';
    if (!name || name.length > 255 || /[\u0000-\u001f/\\]/.test(name)) throw new ApiError('invalid file name', 'invalid-request');
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (Number.isFinite(declared) && declared > MAX_UPLOAD_BYTES) throw new ApiError('file too large', 'invalid-request');
    const write = async (target: string): Promise<number> => {
      let n = 0;
      const limit = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          n += chunk.length;
          if (n > MAX_UPLOAD_BYTES) cb(new ApiError('file too large', 'invalid-request'));
          else cb(null, chunk);
        },
      });
      await pipeline(req, limit, createWriteStream(target, { flags: 'wx', mode: 0o600 }));
      return n;
    };
    const up = await opts.api.registerUpload(name, write);
    if (purpose === 'case') {
      const info = await opts.api.openCase({ path: opts.api.uploadPath(up.uploadId) });
      return sendJson(res, 200, info);
    }
    sendJson(res, 200, up);
  };

  const downloadCase = async (res: http.ServerResponse): Promise<void> => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'wmi-workbench-dl-'));
    try {
      const info = await opts.api.caseInfo();
      const tmp = path.join(dir, 'case.wmicase');
      await opts.api.exportCase(tmp);
      const st = await fs.stat(tmp);
      const base = caseDownloadName(info);
      res.writeHead(200, {
        'Content-Type': 'application/octet-stream',
        'Content-Length': st.size,
        'Content-Disposition': `attachment; filename="${base}"`,
      });
      await pipeline(createReadStream(tmp), res);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  };

  const handleApi = async (req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> => {
    if (!sameSecret(req.headers[TOKEN_HEADER] as string | undefined, token)) {
      return sendJson(res, 401, { error: 'missing or wrong token', kind: 'refused' });
    }
    const name = url.pathname.slice('/api/'.length);
    try {
      if (name === 'upload' && req.method === 'POST') return await upload(req, res, url, 'evidence');
      if (name === 'open-upload' && req.method === 'POST') return await upload(req, res, url, 'case');
      if (name === 'download-case' && req.method === 'GET') return await downloadCase(res);
      if (req.method !== 'POST') return sendJson(res, 405, { error: 'method not allowed', kind: 'refused' });
      if (!(req.headers['content-type'] ?? '').toLowerCase().startsWith('application/json')) {
        return sendJson(res, 415, { error: 'API requests are JSON', kind: 'invalid-request' });
      }
      if (!isApiMethod(name) || name === 'uploadEvidence' || ELECTRON_ONLY.includes(name as ApiMethod)) {
        return sendJson(res, 404, { error: 'no such API method', kind: 'not-found' });
      }
      const body = await readJson(req);
      const out = await opts.api.dispatch(name, body);
      sendJson(res, 200, out);
    } catch (e) {
      const b = errorBody(e);
      if (!res.headersSent) sendJson(res, e instanceof ApiError ? STATUS[e.kind] : 500, b);
      else res.destroy();
    }
  };

  const server = http.createServer((req, res) => {
    securityHeaders(res);
    if (!allowedHost(req.headers.host)) {
      req.resume();
      return sendText(res, 421, 'wrong Host header\n');
    }
    let url: URL;
    try {
      url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    } catch {
      return sendText(res, 400, 'bad request');
    }
    const done = url.pathname.startsWith('/api/') ? handleApi(req, res, url) : serveStatic(req, res, url);
    done.catch((e: unknown) => {
      if (!res.headersSent) sendText(res, 500, `internal error: ${(e as Error).message}`);
      else res.destroy();
    });
  });
  server.headersTimeout = 30_000;
  server.requestTimeout = 0; // uploads may be large
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
