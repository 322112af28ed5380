import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { IPC_CHANNELS } from '../../../shared/api/ipc-events';

const ROOT = path.resolve(__dirname, '../../../..');

describe('Electron shell', () => {
  it('the compiled preload requires only electron and maps exactly the channels of ipc-events', () => {
    const js = readFileSync(path.join(ROOT, 'dist/main/electron-main/preload.js'), 'utf8');
    const requires = [...js.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1]);
    assert.deepEqual([...new Set(requires)], ['electron']);
    const channels = [...js.matchAll(/["'](wmi:[a-z-]+)["']/g)].map((m) => m[1]).sort();
    assert.deepEqual(channels, Object.values(IPC_CHANNELS).sort());
    assert.match(js, /exposeInMainWorld\(["']wmiWorkbench["']/);
    assert.doesNotMatch(js, /exposeInMainWorld\([^)]*ipcRenderer\s*\)/);
  });

  it('main sets the hardened web preferences and blocks navigation, new windows and permissions', () => {
    const src = readFileSync(path.join(ROOT, 'main/electron-main/main.ts'), 'utf8');
    for (const s of ['contextIsolation: true', 'sandbox: true', 'nodeIntegration: false', 'webviewTag: false', "action: 'deny'", "'will-navigate'", 'setPermissionRequestHandler', 'callback(false)', 'onBeforeRequest']) {
      assert.ok(src.includes(s), s);
    }
  });

  it('npm start without the Electron binary explains itself and points to serve, without a stack trace', { skip: existsSync(path.join(ROOT, 'node_modules/electron/path.txt')) && 'Electron is installed here' }, () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'build/start-electron.js')], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /Electron runtime is not installed/);
    assert.match(r.stderr, /npx wmi-workbench serve/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });
});
