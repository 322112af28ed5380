import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { ClientCaseBackend } from '../../../main/api/case-backend';
import { WorkbenchApi } from '../../../main/api/workbench-api';
import { startWebServer, type WebServer } from '../../../main/web/server';

const ROOT = path.resolve(__dirname, '../../../..');
const LM = path.resolve(ROOT, '../shared/corpus/evtx/attack-samples/Lateral Movement');

interface Res {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(port: number, opts: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer }): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method: opts.method ?? 'GET', path: opts.path, headers: { Host: `127.0.0.1:${port}`, ...opts.headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

describe('web shell security', () => {
  let tmp: string;
  let api: WorkbenchApi;
  let web: WebServer;
  let port: number;
  let token: string;
  const json = (t: string) => ({ 'Content-Type': 'application/json', 'X-Workbench-Token': t });

  before(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'wmiwb-web-'));
    const staticDir = path.join(tmp, 'static');
    mkdirSync(path.join(staticDir, 'assets'), { recursive: true });
    writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>t</title>');
    writeFileSync(path.join(staticDir, 'assets', 'app.js'), 'console.log(1)');
    writeFileSync(path.join(tmp, 'secret.txt'), 'secret');
    api = new WorkbenchApi({ factory: ClientCaseBackend.factory(), shell: 'web', uploadsDir: path.join(tmp, 'uploads') });
    web = await startWebServer({ api, staticDir });
    port = web.port;
    token = web.token;
  });

  after(async () => {
    await web.close();
    await api.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('listens on 127.0.0.1 only, with a long random token in the URL', () => {
    const addr = web.server.address();
    assert.ok(addr && typeof addr === 'object');
    assert.equal(addr.address, '127.0.0.1');
    assert.ok(token.length >= 32);
    assert.equal(web.url, `http://127.0.0.1:${port}/?token=${token}`);
  });

  it('requires the token on every request', async () => {
    assert.equal((await request(port, { path: '/' })).status, 401);
    assert.equal((await request(port, { path: '/assets/app.js' })).status, 401);
    assert.equal((await request(port, { path: '/?token=wrong' })).status, 401);
    assert.equal((await request(port, { method: 'POST', path: '/api/caseInfo', headers: json(''), body: '{}' })).status, 401);
    assert.equal((await request(port, { method: 'POST', path: '/api/caseInfo', headers: json((token[0] === 'x' ? 'y' : 'x') + token.slice(1)), body: '{}' })).status, 401); // one character off (never the token itself)
    // The API takes the token from the header only: not from the query, not from the cookie.
    assert.equal((await request(port, { method: 'POST', path: `/api/caseInfo?token=${token}`, headers: { 'Content-Type': 'application/json' }, body: '{}' })).status, 401);
    const cookie = `wmiwb_${port}=${token}`;
    assert.equal((await request(port, { method: 'POST', path: '/api/caseInfo', headers: { 'Content-Type': 'application/json', Cookie: cookie }, body: '{}' })).status, 401);
    const ok = await request(port, { method: 'POST', path: '/api/caseInfo', headers: json(token), body: '{}' });
    assert.equal(ok.status, 200);
    assert.equal(JSON.parse(ok.body).events, 0);
  });

  it('opens the page with the token, then serves its assets by an HttpOnly SameSite cookie', async () => {
    const page = await request(port, { path: `/?token=${token}` });
    assert.equal(page.status, 200);
    const setCookie = String(page.headers['set-cookie']);
    assert.match(setCookie, new RegExp(`wmiwb_${port}=${token}`));
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /SameSite=Strict/);
    const asset = await request(port, { path: '/assets/app.js', headers: { Cookie: `wmiwb_${port}=${token}` } });
    assert.equal(asset.status, 200);
    assert.match(String(asset.headers['content-type']), /javascript/);
  });

  it('refuses a wrong Host header (DNS rebinding)', async () => {
    for (const host of ['evil.example', `evil.example:${port}`, `127.0.0.1:${port + 1}`, `localhost.evil.example:${port}`, `0.0.0.0:${port}`, `[::1]:${port}`]) {
      const r = await request(port, { method: 'POST', path: '/api/caseInfo', headers: { ...json(token), Host: host }, body: '{}' });
      assert.equal(r.status, 421, `host ${host}`);
      const p = await request(port, { path: `/?token=${token}`, headers: { Host: host } });
      assert.equal(p.status, 421, `host ${host}`);
    }
    // No Host header at all (HTTP/1.0 over a raw socket).
    const raw = await new Promise<string>((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => s.end(`GET /?token=${token} HTTP/1.0\r\n\r\n`));
      let out = '';
      s.on('data', (c) => (out += c.toString('latin1')));
      s.on('end', () => resolve(out));
      s.on('error', reject);
    });
    assert.match(raw, /^HTTP\/1\.[01] 421/);
    const local = await request(port, { method: 'POST', path: '/api/caseInfo', headers: { ...json(token), Host: `localhost:${port}` }, body: '{}' });
    assert.equal(local.status, 200);
  });

  it('sends no CORS headers, even to a preflight, and a strict CSP everywhere', async () => {
    const origin = { Origin: 'http://evil.example' };
    const rs = [
      await request(port, { method: 'OPTIONS', path: '/api/caseInfo', headers: { ...origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'x-workbench-token' } }),
      await request(port, { method: 'POST', path: '/api/caseInfo', headers: { ...json(token), ...origin }, body: '{}' }),
      await request(port, { path: `/?token=${token}`, headers: origin }),
      await request(port, { path: '/' }),
    ];
    for (const r of rs) {
      for (const h of Object.keys(r.headers)) assert.ok(!h.startsWith('access-control-'), `${h} sent`);
      const csp = String(r.headers['content-security-policy']);
      assert.match(csp, /default-src 'none'/);
      assert.match(csp, /script-src 'self'/);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.equal(r.headers['x-content-type-options'], 'nosniff');
    }
    assert.notEqual(rs[0].status, 200);
  });

  it('does not serve files outside the renderer', async () => {
    const cookie = { Cookie: `wmiwb_${port}=${token}` };
    for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/assets/..%2f..%2fsecret.txt', '/%00']) {
      const r = await request(port, { path: p, headers: cookie });
      assert.ok(r.status === 404 || r.status === 400, `${p}: ${r.status}`);
      assert.ok(!r.body.includes('secret'));
    }
  });

  it('validates API requests and keeps desktop-only methods off the web', async () => {
    const post = (p: string, body: string, headers = json(token)) => request(port, { method: 'POST', path: p, headers, body });
    assert.equal((await post('/api/caseInfo', '{}', { 'Content-Type': 'text/plain', 'X-Workbench-Token': token })).status, 415);
    assert.equal((await post('/api/eventsPage', '{"filter":{},"columns":["x; drop"],"offset":0,"limit":1}')).status, 400);
    assert.equal((await post('/api/eventsPage', 'not json')).status, 400);
    assert.equal((await post('/api/nope', '{}')).status, 404);
    assert.equal((await post('/api/constructor', '{}')).status, 404);
    assert.equal((await post('/api/__proto__', '{}')).status, 404);
    assert.equal((await post('/api/chooseEvidence', '{}')).status, 404);
    assert.equal((await post('/api/uploadEvidence', '{}')).status, 404);
    assert.equal((await request(port, { path: '/api/caseInfo', headers: json(token) })).status, 405);
    const sql = await post('/api/sqlQuery', JSON.stringify({ sql: 'DROP TABLE events' }));
    assert.equal(sql.status, 409);
  });

  it('imports an uploaded evidence file through the same importer', async () => {
    const bytes = readFileSync(path.join(LM, 'LM_wmiexec_impacket_sysmon_whoami.evtx'));
    const bad = await request(port, { method: 'POST', path: '/api/upload?name=a%2Fb.evtx', headers: { 'X-Workbench-Token': token, 'Content-Type': 'application/octet-stream' }, body: bytes });
    assert.equal(bad.status, 400);
    const noTok = await request(port, { method: 'POST', path: '/api/upload?name=a.evtx', headers: { 'Content-Type': 'application/octet-stream' }, body: bytes });
    assert.equal(noTok.status, 401);
    const up = await request(port, {
      method: 'POST',
      path: '/api/upload?name=LM_wmiexec_impacket_sysmon_whoami.evtx',
      headers: { 'X-Workbench-Token': token, 'Content-Type': 'application/octet-stream' },
      body: bytes,
    });
    assert.equal(up.status, 200, up.body);
    const { uploadId, size } = JSON.parse(up.body);
    assert.equal(size, bytes.length);
    const start = await request(port, { method: 'POST', path: '/api/startImport', headers: json(token), body: JSON.stringify({ uploadIds: [uploadId] }) });
    assert.equal(start.status, 200, start.body);
    await api.idle();
    const st = JSON.parse((await request(port, { method: 'POST', path: '/api/importStatus', headers: json(token), body: start.body })).body);
    assert.equal(st.state, 'done');
    assert.ok(st.records > 0);
    const ledger = JSON.parse((await request(port, { method: 'POST', path: '/api/ledger', headers: json(token), body: '{}' })).body);
    assert.equal(ledger.entries.length, 1);
    assert.equal(path.basename(ledger.entries[0].path), 'LM_wmiexec_impacket_sysmon_whoami.evtx');
    const dl = await request(port, { path: '/api/download-case', headers: { 'X-Workbench-Token': token } });
    assert.equal(dl.status, 200);
    assert.ok(dl.body.startsWith('SQLite format 3'));
  });

  it('opens an uploaded case file as a copy with no file on the server; Save as asks before replacing (409, kind exists)', async () => {
    const saved = path.join(tmp, 'to-upload.wmicase');
    await api.dispatch('saveCase', { path: saved });
    const same = await request(port, { method: 'POST', path: '/api/saveCase', headers: json(token), body: JSON.stringify({ path: saved }) });
    assert.equal(same.status, 409);
    assert.deepEqual(JSON.parse(same.body), { error: `${saved} already exists`, kind: 'exists' });
    const opened = await request(port, {
      method: 'POST',
      path: '/api/open-upload?name=shared%20case.wmicase',
      headers: { 'X-Workbench-Token': token, 'Content-Type': 'application/octet-stream' },
      body: readFileSync(saved),
    });
    assert.equal(opened.status, 200, opened.body);
    const info = JSON.parse(opened.body);
    assert.equal(info.path, null, 'no home in the uploads folder');
    assert.equal(info.uploadedCopy, 'shared case.wmicase');
    assert.ok(info.events > 0);
    const save = await request(port, { method: 'POST', path: '/api/saveCase', headers: json(token), body: '{}' });
    assert.equal(save.status, 400);
    assert.match(JSON.parse(save.body).error, /choose where to save the case/);
    const dl = await request(port, { path: '/api/download-case', headers: { 'X-Workbench-Token': token } });
    assert.equal(dl.status, 200);
    assert.match(String(dl.headers['content-disposition']), /filename="shared_case\.wmicase"/);
  });
});
