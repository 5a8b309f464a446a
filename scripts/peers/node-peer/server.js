'use strict';
// Configurable SMTP peer on nodemailer's smtp-server, for loopback tests.
// Usage: node server.js presets/<name>.json
// Preset keys used here (everything else is passed to SMTPServer as is,
// e.g. hidePIPELINING, hide8BITMIME, hideSMTPUTF8, hideENHANCEDSTATUSCODES,
// hideDSN, hideSTARTTLS, hideSize, disabledCommands, banner, maxClients):
//   port, host        listen address (loopback only)
//   users             { "login": "password" } for PLAIN/LOGIN/CRAM-MD5
//   tokens            { "oauth-token": "login" } for XOAUTH2
//   authRequired      true: MAIL FROM before AUTH gets 530
//   rejectRecipients  regex; matching RCPT TO gets 550 5.1.1
//   rejectSenders     regex; matching MAIL FROM gets 553 5.7.1
//   tls               true: load the certs from $HERALD_PEERS_STATE/certs
//   serverName        host name in the greeting (default localhost)
const fs = require('fs');
const path = require('path');
const { SMTPServer } = require('smtp-server');

const presetFile = process.argv[2];
if (!presetFile) { console.error('usage: node server.js preset.json'); process.exit(2); }
const preset = JSON.parse(fs.readFileSync(presetFile, 'utf8'));
const state = process.env.HERALD_PEERS_STATE || '/tmp/herald-peers';
const name = preset.name || path.basename(presetFile, '.json');
const capture = path.join(state, 'node', name);
fs.mkdirSync(capture, { recursive: true });
const host = preset.host || '127.0.0.1';
if (!['127.0.0.1', '::1', 'localhost'].includes(host)) { console.error('loopback only'); process.exit(2); }

const users = preset.users || {};
const tokens = preset.tokens || {};
const rejectRcpt = preset.rejectRecipients ? new RegExp(preset.rejectRecipients, 'i') : null;
const rejectSender = preset.rejectSenders ? new RegExp(preset.rejectSenders, 'i') : null;
const own = new Set(['name', 'serverName', 'port', 'host', 'users', 'tokens', 'authRequired', 'rejectRecipients', 'rejectSenders', 'tls']);
const opts = {};
for (const [k, v] of Object.entries(preset)) if (!own.has(k)) opts[k] = v;
if (preset.tls || preset.secure) {
  opts.key = fs.readFileSync(path.join(state, 'certs', 'server.key'));
  opts.cert = fs.readFileSync(path.join(state, 'certs', 'server-chain.pem'));
  opts.ca = fs.readFileSync(path.join(state, 'certs', 'ca.pem'));
}
if (opts.authMethods === undefined) opts.authMethods = ['PLAIN', 'LOGIN', 'CRAM-MD5', 'XOAUTH2'];
if (opts.authOptional === undefined) opts.authOptional = !preset.authRequired;
if (opts.allowInsecureAuth === undefined) opts.allowInsecureAuth = true;
opts.logger = false;
let seq = 0;

opts.onAuth = (auth, session, cb) => {
  const fail = () => cb(new Error('Invalid username or password'));
  if (auth.method === 'XOAUTH2') {
    const login = tokens[auth.accessToken];
    if (login && login === auth.username) return cb(null, { user: login });
    return cb(null, { data: { status: '401', schemes: 'bearer', scope: 'smtp' } });
  }
  const pass = users[auth.username];
  if (pass === undefined) return fail();
  if (auth.method === 'CRAM-MD5') return auth.validatePassword(pass) ? cb(null, { user: auth.username }) : fail();
  return auth.password === pass ? cb(null, { user: auth.username }) : fail();
};
opts.onMailFrom = (address, session, cb) => {
  if (rejectSender && rejectSender.test(address.address)) {
    const e = new Error('5.7.1 Sender rejected by test rule'); e.responseCode = 553; return cb(e);
  }
  cb();
};
opts.onRcptTo = (address, session, cb) => {
  if (rejectRcpt && rejectRcpt.test(address.address)) {
    const e = new Error('5.1.1 <' + address.address + '>: Recipient address rejected: User unknown'); e.responseCode = 550; return cb(e);
  }
  cb();
};
opts.onData = (stream, session, cb) => {
  const file = path.join(capture, `${Date.now()}-${process.pid}-${++seq}.eml`);
  const chunks = [];
  stream.on('data', c => chunks.push(c));
  stream.on('end', () => {
    if (stream.sizeExceeded) {
      const e = new Error('5.3.4 Message exceeds fixed maximum message size'); e.responseCode = 552; return cb(e);
    }
    const env = session.envelope;
    const head = `X-Peer-Mail-From: ${env.mailFrom ? env.mailFrom.address : ''}\r\n` +
      env.rcptTo.map(r => `X-Peer-Rcpt-To: ${r.address}\r\n`).join('') +
      `X-Peer-Auth-User: ${session.user || ''}\r\nX-Peer-Secure: ${session.secure ? 'yes' : 'no'}\r\n`;
    fs.writeFileSync(file, Buffer.concat([Buffer.from(head), ...chunks]));
    cb(null, 'Ok: queued as ' + path.basename(file));
  });
};

opts.name = preset.serverName || 'localhost';
const server = new SMTPServer(opts);
server.on('error', err => console.error(`[${name}] error:`, err.message));
server.listen(preset.port, host, () => console.log(`[${name}] listening on ${host}:${preset.port}`));
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
