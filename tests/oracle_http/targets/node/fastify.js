'use strict';
// fastify 3 with fastify-cors and a /g regex origin: `node fastify.js VERSION PORT`.
// 6.0.2 keeps RegExp lastIndex between requests, so identical requests alternate between
// ACAO present and absent (fastify/fastify-cors#151); 6.0.3 resets it.
const { port, guard, announce, requireFrom, HOST } = require('./_guard');
const dir = `fastify-cors-${process.argv[2]}`;
const fastify = requireFrom(dir, 'fastify')();
fastify.register(requireFrom(dir, 'fastify-cors'), { origin: /^https:\/\/app\.example$/g, credentials: true });
fastify.get('/api/items', async () => ({ items: [] }));
guard();
const p = port();
fastify.listen(p, HOST).then(() => announce(p), (e) => { console.error(e); process.exit(1); });
