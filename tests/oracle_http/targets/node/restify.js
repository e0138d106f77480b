'use strict';
// restify 11 with restify-cors-middleware 1.1.1 or restify-cors-middleware2 2.2.1:
// `node restify.js PACKAGE-VERSION CONFIG PORT` (PACKAGE-VERSION as installed, e.g.
// restify-cors-middleware-1.1.1; restify 7, the last its peer range names, fails on Node 18+).
//   wildcard  origins: ['https://*.api.example.com']: the pattern becomes a regex with
//             replace('.', '\\.'), which escapes the first dot only, so
//             https://x.apixexample.com is allowed too
//   regexp    the workaround: the same origins as an anchored RegExp with every dot escaped
const { port, guard, announce, requireFrom, HOST } = require('./_guard');
const dir = process.argv[2];
const restify = requireFrom(dir, 'restify');
const corsMiddleware = requireFrom(dir, dir.replace(/-[0-9.]+$/, ''));
const ORIGINS = {
  wildcard: ['https://*.api.example.com'],
  regexp: [/^https:\/\/([a-z0-9-]+\.)+api\.example\.com$/],
};
const config = process.argv[3];
if (!(config in ORIGINS)) {
  console.error('usage: node restify.js PACKAGE-VERSION {wildcard|regexp} PORT');
  process.exit(2);
}
const cors = corsMiddleware({ origins: ORIGINS[config], credentials: true, allowHeaders: [], exposeHeaders: [] });
const server = restify.createServer({ handleUncaughtExceptions: false });
server.pre(cors.preflight);
server.use(cors.actual);
const items = (req, res, next) => { res.send({ items: [] }); next(); };
server.get('/api/items', items);
server.head('/api/items', items);
server.post('/api/items', items);
guard();
const p = port();
server.listen(p, HOST, () => announce(p));
