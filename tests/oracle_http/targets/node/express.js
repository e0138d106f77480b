'use strict';
// express with the expressjs `cors` middleware: `node express.js VERSION CONFIG PORT`.
//   list      origin: ['https://app.example', 'https://admin.app.example']: 2.8.1 sends a
//             disallowed Origin no Vary: Origin (expressjs/cors#106), 2.8.2 does
//   regex-g   origin: /^https:\/\/app\.example$/g: identical requests alternate between ACAO
//             present and absent (RegExp lastIndex, expressjs/cors#220; no release fixes it)
//   regex     the workaround: the same regex without /g
const { port, guard, announce, requireFrom, HOST } = require('./_guard');
const dir = `express-cors-${process.argv[2]}`;
const express = requireFrom(dir, 'express');
const cors = requireFrom(dir, 'cors');
const ORIGINS = {
  list: ['https://app.example', 'https://admin.app.example'],
  'regex-g': /^https:\/\/app\.example$/g,
  regex: /^https:\/\/app\.example$/,
};
const config = process.argv[3];
if (!(config in ORIGINS)) {
  console.error('usage: node express.js VERSION {list|regex-g|regex} PORT');
  process.exit(2);
}
const app = express();
app.use(cors({ origin: ORIGINS[config], credentials: true }));
app.get('/api/items', (req, res) => res.json({ items: [] }));
guard();
const p = port();
app.listen(p, HOST, () => announce(p));
