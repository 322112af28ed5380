#!/usr/bin/env node
// `npm start`: the desktop workbench. Electron's binary cannot always be downloaded (offline
// machines): then say so plainly and point to the web shell instead of failing with a trace.
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const { spawn } = require('node:child_process');

const root = path.join(__dirname, '..');
const mainJs = path.join(root, 'dist', 'main', 'electron-main', 'main.js');

function fail(message) {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

let electronBinary;
try {
  // The electron package exports the path of its binary; it throws when the binary was never downloaded.
  electronBinary = require('electron');
} catch {
  electronBinary = undefined;
}
if (typeof electronBinary !== 'string' || !fs.existsSync(electronBinary)) {
  fail(
    [
      'WMI Workbench: the Electron runtime is not installed on this machine',
      '(its binary could not be downloaded when the packages were installed), so the desktop window cannot open.',
      '',
      'Use the web shell instead, which runs the same workbench in your browser on 127.0.0.1:',
      '',
      '    npx wmi-workbench serve [case.wmicase | evidence files...]',
      '',
      'and open the URL it prints.',
    ].join('\n'),
  );
}
if (!fs.existsSync(mainJs)) fail('WMI Workbench: not built yet; run `npm run build` first.');

const child = spawn(electronBinary, [root], { stdio: 'inherit', windowsHide: false });
child.on('error', (e) => fail(`WMI Workbench: Electron could not start (${e.message}). Try: npx wmi-workbench serve`));
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 0)));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
