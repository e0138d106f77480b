'use strict';
// hono cors() with credentials and the default origin: `node hono.js VERSION PORT`.
// 4.12.24 echoes any Origin (null too) with credentials (GHSA-88fw-hqm2-52qc); 4.12.25
// answers "*" (which browsers refuse with credentials) instead.
const { port, guard, announce, requireFrom, HOST } = require('./_guard');
const dir = `hono-${process.argv[2]}`;
const { Hono } = requireFrom(dir, 'hono');
const { cors } = requireFrom(dir, 'hono/cors');
const { serve } = requireFrom(dir, '@hono/node-server');

const app = new Hono();
app.use('/api/*', cors({ credentials: true }));
app.get('/api/items', (c) => c.json({ items: [] }));
guard();
const p = port();
serve({ fetch: app.fetch, port: p, hostname: HOST }, () => announce(p));
