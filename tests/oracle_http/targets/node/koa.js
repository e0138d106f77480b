'use strict';
// @koa/cors with no options: `node koa.js VERSION PORT`. 4.0.0 echoes any Origin (null
// too); 5.0.0 answers "*" (GHSA-qxrj-hx23-xp82).
const { port, guard, announce, requireFrom, HOST } = require('./_guard');
const dir = `koa-cors-${process.argv[2]}`;
const Koa = requireFrom(dir, 'koa');
const cors = requireFrom(dir, '@koa/cors');

const app = new Koa();
app.use(cors());
app.use((ctx) => { ctx.body = { items: [] }; });
guard();
const p = port();
app.listen(p, HOST, () => announce(p));
