// Vite build of the renderer: everything bundled locally (no CDN, no remote fonts), relative
// asset URLs (base './') so the same files load from file:// in Electron and from the web shell.
import { fileURLToPath } from 'node:url';
import * as path from 'node:path';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const here = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: here,
  base: './',
  plugins: [react()],
  publicDir: false,
  build: {
    outDir: path.resolve(here, '../dist/renderer'),
    emptyOutDir: true,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
    target: 'es2022',
    chunkSizeWarningLimit: 2000,
  },
  server: { host: '127.0.0.1' },
});
