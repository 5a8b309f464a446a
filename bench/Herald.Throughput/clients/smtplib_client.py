"""The Python worker of the throughput benchmark: the standard library's smtplib.

Reads the workload (JSON) from argv[1] and prints one line "RESULT {json}" in the shape of RunResult.cs.
Small messages are built with email.message.EmailMessage (From, To, Subject, Date, Message-ID) and sent with
send_message over one connection. smtplib has no streaming API for DATA, so the large message is built in memory
as bytes and passed to sendmail, which makes its own dot-stuffed copy: that is the memory such code needs.
"""
import email.utils
import json
import platform
import resource
import smtplib
import sys
import time
from email.message import EmailMessage

LINE = ("The quick brown fox jumps over the lazy dog. " * 2)[:76]


def rss_kib():
    with open("/proc/self/status") as f:
        for row in f:
            if row.startswith("VmRSS:"):
                return int(row.split()[1])
    return 0


def cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def small_body(w):
    lines = (w["smallBytes"] + len(LINE) + 1) // (len(LINE) + 2)
    return "".join(LINE + "\r\n" for _ in range(lines))


def session(w, count, body, seconds):
    start = time.perf_counter()
    sent = 0
    with smtplib.SMTP(w["host"], w["port"]) as smtp:
        smtp.ehlo("client.bench.example")
        while sent < count and time.perf_counter() - start < seconds:
            msg = EmailMessage()
            msg["From"] = w["from"]
            msg["To"] = w["to"]
            msg["Subject"] = "Benchmark message %d" % sent
            msg["Date"] = email.utils.formatdate(localtime=True)
            msg["Message-ID"] = email.utils.make_msgid(domain="client.bench.example")
            msg.set_content(body)
            smtp.send_message(msg)
            sent += 1
    return sent


def large_message(w, lines):
    head = ("From: %s\r\nTo: %s\r\nSubject: Large message\r\nDate: %s\r\nMessage-ID: %s\r\n\r\n" % (
        w["from"], w["to"], email.utils.formatdate(localtime=True),
        email.utils.make_msgid(domain="client.bench.example"))).encode("ascii")
    line = (LINE + "\r\n").encode("ascii")
    dot_line = ("." + LINE[1:] + "\r\n").encode("ascii")
    block = dot_line + line * 49
    full, rest = divmod(lines, 50)
    tail = dot_line + line * (rest - 1) if rest else b""
    # One allocation of the final size (the list repeats a reference to the same block).
    return b"".join([head] + [block] * full + [tail]), lines * len(line)


def main():
    w = json.loads(sys.argv[1])
    result = {"client": w["client"], "scenario": w["scenario"], "version": "smtplib (Python %s)" % platform.python_version()}
    if w["scenario"] == "small":
        body = small_body(w)
        session(w, float("inf"), body, w["warmupSeconds"])
        result["rssStartKiB"] = rss_kib()
        cpu = cpu_seconds()
        start = time.perf_counter()
        sent = session(w, w["messages"], body, w["seconds"])
        result["seconds"] = time.perf_counter() - start
        result["cpuSeconds"] = cpu_seconds() - cpu
        result["messages"] = sent
        result["bodyBytes"] = sent * len(body)
    else:
        lines = w["largeBytes"] // (len(LINE) + 2)
        with smtplib.SMTP(w["host"], w["port"]) as smtp:
            smtp.ehlo("client.bench.example")
            for _ in range(20):  # as HeraldRunner.LargeWarmups
                warm, _ = large_message(w, 1000)
                smtp.sendmail(w["from"], [w["to"]], warm)
            del warm
            result["rssStartKiB"] = rss_kib()
            cpu = cpu_seconds()
            start = time.perf_counter()
            # Building the message is part of what this API costs: it has to exist in memory before sendmail.
            data, body_bytes = large_message(w, lines)
            smtp.sendmail(w["from"], [w["to"]], data)
            result["seconds"] = time.perf_counter() - start
            result["cpuSeconds"] = cpu_seconds() - cpu
            result["messages"] = 1
            result["bodyBytes"] = body_bytes
    result["peakRssKiB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
