#!/usr/bin/env node
// Entry point for `npx wmi-workbench`: runs the compiled CLI (built by `npm install` / `npm run build`).
const path = require('node:path');
const fs = require('node:fs');
const entry = path.join(__dirname, '..', 'dist', 'main', 'cli', 'main.js');
if (!fs.existsSync(entry)) {
  process.stderr.write('wmi-workbench: not built yet; run `npm install` (or `npm run build`) in the checkout first.\n');
  process.exit(1);
}
require(entry).runCli(process.argv.slice(2));
