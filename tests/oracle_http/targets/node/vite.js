'use strict';
// The vite dev server with the default server.cors: `node vite.js VERSION PORT`, serving
// /main.js from a temporary root. 6.0.8 answers any Origin with "*"; 6.0.9 turns CORS off by
// default, so no cross-origin page may read (GHSA-vg6x-rcgg-rjx6).
const fs = require('fs');
const os = require('os');
const path = require('path');
const { port, guard, announce, requireFrom, HOST } = require('./_guard');
process.env.VITE_CJS_IGNORE_WARNING = 'true';
const vite = requireFrom(`vite-${process.argv[2]}`, 'vite');

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cors-spec-vite-'));
fs.writeFileSync(path.join(root, 'main.js'), 'export const secret = "source code";\n');
fs.writeFileSync(path.join(root, 'index.html'), '<script type="module" src="/main.js"></script>\n');
process.on('exit', () => fs.rmSync(root, { recursive: true, force: true }));
guard();
const p = port();
vite.createServer({
  configFile: false, root, logLevel: 'silent', clearScreen: false, optimizeDeps: { noDiscovery: true, include: [] },
  server: { host: HOST, port: p, strictPort: true, hmr: false, watch: null },
}).then((server) => server.listen()).then(() => announce(p), (e) => { console.error(e); process.exit(1); });
