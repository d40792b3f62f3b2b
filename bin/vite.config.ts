// Builds the `coffer` command into dist/cli: the CLI and the vault signer's worker as two entry
// files sharing chunks. One file loads in a fraction of the time of the ~260 modules tsc emits
// (0.25 s instead of 0.4 s for `coffer help`), and every command is a new process. Native and
// WASM packages and the embedded node stay outside; Electron main keeps using tsc's dist/src.
import path from 'node:path';
import { defineConfig } from 'vite';

const root = path.resolve(import.meta.dirname, '..');

export default defineConfig({
  root,
  logLevel: 'warn',
  ssr: { noExternal: true, target: 'node' },
  build: {
    ssr: true,
    outDir: path.join(root, 'dist', 'cli'),
    emptyOutDir: true,
    target: 'node20',
    minify: false,
    sourcemap: false,
    copyPublicDir: false,
    rollupOptions: {
      input: { main: path.join(root, 'src/cli/main.ts'), 'vault-signer-worker': path.join(root, 'src/service/vault-signer-worker.ts') },
      external: [/^node:/, 'better-sqlite3', 'lightningdevkit', 'bcoin', 'electron'],
      output: { format: 'es', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' },
    },
  },
});
