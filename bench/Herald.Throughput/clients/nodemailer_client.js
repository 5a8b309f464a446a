'use strict';
// The Node.js worker of the throughput benchmark: Nodemailer's SMTP transport.
// Reads the workload (JSON) from argv[2] and prints one line "RESULT {json}" in the shape of RunResult.cs.
// Small messages go through one pooled connection (pool: true, maxConnections: 1), one at a time, as
// { from, to, subject, text }; the large message is a raw stream that is generated on the fly.
const { Readable } = require('stream');
const nodemailer = require('nodemailer');

const LINE = 'The quick brown fox jumps over the lazy dog. '.repeat(2).slice(0, 76);

function smallBody(w) {
    const lines = Math.floor((w.smallBytes + LINE.length + 1) / (LINE.length + 2));
    return (LINE + '\r\n').repeat(lines);
}

function transport(w) {
    return nodemailer.createTransport({
        host: w.host,
        port: w.port,
        secure: false,
        ignoreTLS: true,
        pool: true,
        maxConnections: 1,
        maxMessages: Infinity,
        name: 'client.bench.example',
    });
}

async function session(w, count, body, seconds) {
    const start = process.hrtime.bigint();
    const t = transport(w);
    let sent = 0;
    while (sent < count && Number(process.hrtime.bigint() - start) / 1e9 < seconds) {
        await t.sendMail({ from: w.from, to: w.to, subject: 'Benchmark message ' + sent, text: body });
        sent++;
    }
    t.close();
    return sent;
}

// The large message as a stream: a header block, then `lines` lines where every 50th starts with a dot.
function largeStream(w, lines) {
    const head = Buffer.from(`From: ${w.from}\r\nTo: ${w.to}\r\nSubject: Large message\r\n` +
        `Date: ${new Date().toUTCString()}\r\nMessage-ID: <${Date.now()}@client.bench.example>\r\n\r\n`);
    const line = Buffer.from(LINE + '\r\n');
    const dotLine = Buffer.from('.' + LINE.slice(1) + '\r\n');
    const block = Buffer.concat([dotLine, ...Array(49).fill(line)]);
    let i = 0;
    let headSent = false;
    return new Readable({
        highWaterMark: 64 * 1024,
        read() {
            if (!headSent) {
                headSent = true;
                this.push(head);
                return;
            }
            const chunks = [];
            let size = 0;
            while (i < lines && size < 64 * 1024) {
                if (i % 50 === 0 && lines - i >= 50) {
                    chunks.push(block);
                    size += block.length;
                    i += 50;
                } else {
                    const l = i % 50 === 0 ? dotLine : line;
                    chunks.push(l);
                    size += l.length;
                    i++;
                }
            }
            this.push(chunks.length ? Buffer.concat(chunks, size) : null);
        },
    });
}

function cpuSeconds(since) {
    const used = process.cpuUsage(since);
    return (used.user + used.system) / 1e6;
}

function rssStartKiB() {
    return Math.round(process.memoryUsage().rss / 1024);
}

async function main() {
    const w = JSON.parse(process.argv[2]);
    const version = require('nodemailer/package.json').version;
    const result = { client: w.client, scenario: w.scenario, version: `nodemailer ${version} (Node.js ${process.versions.node})` };
    if (w.scenario === 'small') {
        const body = smallBody(w);
        await session(w, Infinity, body, w.warmupSeconds);
        result.rssStartKiB = rssStartKiB();
        const cpu = process.cpuUsage();
        const start = process.hrtime.bigint();
        const sent = await session(w, w.messages, body, w.seconds);
        result.seconds = Number(process.hrtime.bigint() - start) / 1e9;
        result.cpuSeconds = cpuSeconds(cpu);
        result.messages = sent;
        result.bodyBytes = sent * body.length;
    } else {
        const lines = Math.floor(w.largeBytes / (LINE.length + 2));
        const t = transport(w);
        const envelope = { from: w.from, to: [w.to] };
        for (let i = 0; i < 20; i++) { // as HeraldRunner.LargeWarmups
            await t.sendMail({ envelope, raw: largeStream(w, 1000) });
        }
        result.rssStartKiB = rssStartKiB();
        const cpu = process.cpuUsage();
        const start = process.hrtime.bigint();
        await t.sendMail({ envelope, raw: largeStream(w, lines) });
        result.seconds = Number(process.hrtime.bigint() - start) / 1e9;
        result.cpuSeconds = cpuSeconds(cpu);
        result.messages = 1;
        result.bodyBytes = lines * (LINE.length + 2);
        t.close();
    }
    result.peakRssKiB = process.resourceUsage().maxRSS;
    console.log('RESULT ' + JSON.stringify(result));
}

main().catch((e) => {
    console.error(e && e.stack ? e.stack : String(e));
    process.exit(1);
});
