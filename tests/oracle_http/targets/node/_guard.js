'use strict';
// Shared by every Node target server: the port, loopback only, and self-termination.
//
// A target listens on 127.0.0.1 only, on the port given as its last argument (or env PORT),
// and exits by itself after CORS_SPEC_TARGET_LIMIT seconds (default 300), when its parent
// process dies, when its standard input is a pipe that closes, or on SIGTERM/SIGINT.
// Packages come from the pinned directories tools/oracle_http_targets.sh installs.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { createRequire } = require('module');

const HOST = '127.0.0.1';
const LIMIT_S = Number(process.env.CORS_SPEC_TARGET_LIMIT || 300);

function port() {
  const arg = process.argv[process.argv.length - 1];
  const p = Number(/^\d+$/.test(arg || '') ? arg : process.env.PORT);
  if (!Number.isInteger(p) || p <= 0 || p > 65535) {
    console.error('usage: node SERVER.js [ARGS...] PORT (or env PORT)');
    process.exit(2);
  }
  return p;
}

function targetsDir() {
  return process.env.CORS_SPEC_TARGETS || path.join(os.homedir(), '.cache', 'cors_spec', 'targets');
}

// require(pkg) from the pinned install directory `name` (e.g. "hono-4.12.24").
function requireFrom(name, pkg) {
  const dir = path.join(targetsDir(), 'npm', name);
  if (!fs.existsSync(path.join(dir, '.stamp'))) {
    console.error(`${dir} is not installed: run tools/oracle_http_targets.sh npm`);
    process.exit(3);
  }
  return createRequire(path.join(dir, 'package.json'))(pkg);
}

function guard() {
  const stop = (why) => {
    if (why) console.error(`target stopping: ${why}`);
    process.exit(0);
  };
  setTimeout(() => stop(`time limit of ${LIMIT_S} s`), LIMIT_S * 1000).unref();
  const parent = process.ppid;
  setInterval(() => { if (process.ppid !== parent) stop('parent died'); }, 250).unref();
  try {
    if (fs.fstatSync(0).isFIFO()) {
      process.stdin.on('end', () => stop('stdin closed'));
      process.stdin.on('error', () => stop('stdin closed'));
      process.stdin.resume();
    }
  } catch (_) { /* no stdin at all */ }
  process.on('SIGTERM', () => stop());
  process.on('SIGINT', () => stop());
  // A hard stop, even if the event loop is blocked by a misbehaving library.
  setTimeout(() => process.kill(process.pid, 'SIGKILL'), (LIMIT_S + 5) * 1000).unref();
}

function announce(p) {
  console.log(`listening on http://${HOST}:${p}`);
}

module.exports = { HOST, LIMIT_S, port, targetsDir, requireFrom, guard, announce };
