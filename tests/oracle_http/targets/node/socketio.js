'use strict';
// socket.io 2.x with default options: `node socketio.js VERSION PORT`; audited path
// /socket.io/?EIO=3&transport=polling. 2.3.0 and 2.4.1 echo any Origin with credentials
// on the polling transport; 2.4.0 refuses cross-origin requests (GHSA-fxwf-4rqh-v8g3).
const http = require('http');
const { port, guard, announce, requireFrom, HOST } = require('./_guard');
const io = requireFrom(`socket.io-${process.argv[2]}`, 'socket.io');

const server = http.createServer((req, res) => { res.statusCode = 404; res.end(); });
io(server);
guard();
const p = port();
server.listen(p, HOST, () => announce(p));
