// Run by `npm install` (prepare): makes `npx wmi-workbench` work inside the checkout by linking
// the project's own command into node_modules/.bin, where npx looks first. npm links the bins
// of dependencies there, but not the root project's own; and a `bin` field in our own
// package.json would make npm 11 try to install the checkout into its npx cache instead.
const fs = require('node:fs');
const path = require('node:path');
const root = path.join(__dirname, '..');
const binDir = path.join(root, 'node_modules', '.bin');
const target = path.join(binDir, 'wmi-workbench');
fs.mkdirSync(binDir, { recursive: true });
fs.rmSync(target, { force: true });
const cli = path.join(root, 'dist', 'main', 'cli', 'main.js');
fs.chmodSync(cli, 0o755);
fs.symlinkSync(path.relative(binDir, cli), target);
