/**
 * Where the shipped rule pack lives. Compiled code runs from dist/, so the pack is found from
 * the package root (the nearest folder above this file holding package.json).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

export function packageRoot(from: string = __dirname): string {
  let d = from;
  for (;;) {
    if (existsSync(join(d, 'package.json'))) return d;
    const up = dirname(d);
    if (up === d) throw new Error(`package.json not found above ${from}`);
    d = up;
  }
}

/** Our WMI rule pack (Sigma YAML). */
export function packRulesDir(): string {
  return join(packageRoot(), 'main', 'detection', 'rules', 'wmi');
}

/** The known-benign subscription list (data). */
export function knownBenignFile(): string {
  return join(packageRoot(), 'main', 'detection', 'rules', 'known-benign.yml');
}
