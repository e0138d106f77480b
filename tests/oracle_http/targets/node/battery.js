'use strict';
// The misconfiguration battery (Chen et al., USENIX Security 2018), in Node's http module
// with no dependency: `node battery.js MISTAKE PORT`. Intent: tests/oracle_http/intents/battery.toml
// (origin https://app.example, method PUT, header X-Token, credentials).
// Each mistake differs from `correct` in one check only; every variant but `no-vary`
// sends Vary: Origin, so each shows its own mistake and nothing else.
const http = require('http');
const { HOST, port, guard, announce } = require('./_guard');

const ALLOWED = 'https://app.example';

// origin -> whether it is granted (and so reflected); null: never reflected
const CHECKS = {
  correct: (o) => o === ALLOWED,
  'reflect-any': (o) => !!o,
  'null-credentials': (o) => o === ALLOWED || o === 'null',
  prefix: (o) => o.startsWith(ALLOWED),
  suffix: (o) => o.endsWith('app.example'),
  substring: (o) => o.includes('app.example'),
  'unescaped-dot': (o) => /^https:\/\/app.example$/.test(o),
  'http-trusted': (o) => /^https?:\/\/app\.example$/.test(o),
  'any-subdomain': (o) => /^https:\/\/([a-z0-9-]+\.)*app\.example$/.test(o),
  'reflect-method-headers': (o) => o === ALLOWED,
  'wildcard-credentials': () => true,
  'no-vary': (o) => o === ALLOWED,
};

const mistake = process.argv[2];
if (!(mistake in CHECKS)) {
  console.error(`usage: node battery.js {${Object.keys(CHECKS).join('|')}} PORT`);
  process.exit(2);
}
const check = CHECKS[mistake];

const server = http.createServer((req, res) => {
  const origin = req.headers.origin;
  const headers = [];
  if (mistake !== 'no-vary') headers.push(['Vary', 'Origin']);
  if (origin !== undefined && check(origin)) {
    headers.push(['Access-Control-Allow-Origin', mistake === 'wildcard-credentials' ? '*' : origin]);
    headers.push(['Access-Control-Allow-Credentials', 'true']);
  }
  const acrm = req.headers['access-control-request-method'];
  if (req.method === 'OPTIONS' && acrm !== undefined) {
    if (mistake === 'reflect-method-headers') {
      headers.push(['Access-Control-Allow-Methods', acrm]);
      const acrh = req.headers['access-control-request-headers'];
      if (acrh !== undefined) headers.push(['Access-Control-Allow-Headers', acrh]);
    } else {
      headers.push(['Access-Control-Allow-Methods', 'PUT']);
      headers.push(['Access-Control-Allow-Headers', 'X-Token']);
    }
    for (const [n, v] of headers) res.setHeader(n, v);
    res.statusCode = 204;
    res.end();
    return;
  }
  req.resume();
  req.on('end', () => {
    for (const [n, v] of headers) res.setHeader(n, v);
    res.setHeader('Content-Type', 'application/json');
    res.end('{"items": []}\n');
  });
});

guard();
const p = port();
server.listen(p, HOST, () => announce(p));
