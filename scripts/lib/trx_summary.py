#!/usr/bin/env python3
"""Counts the test outcomes in one TRX file (what `dotnet test --logger trx` writes).

Usage: trx_summary.py FILE.trx

First line: "PASSED FAILED SKIPPED" (three numbers). Then one line per test that neither passed nor was skipped:
"  FAILED <test name>: <first line of its message>".

Each top-level UnitTestResult is one test case (xunit writes one per theory row). "NotExecuted" is a skipped test;
every outcome other than "Passed" and "NotExecuted" (Failed, Error, Timeout, Aborted, Inconclusive, ...) counts as
failed, so that nothing unexpected is reported as a pass or hidden as a skip.
"""
import sys
import xml.etree.ElementTree as ET

NS = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}


def main(path):
    root = ET.parse(path).getroot()
    passed = failed = skipped = 0
    failures = []
    results = root.find("t:Results", NS)
    for r in (results.findall("t:UnitTestResult", NS) if results is not None else []):
        outcome = r.get("outcome", "")
        if outcome == "Passed":
            passed += 1
        elif outcome == "NotExecuted":
            skipped += 1
        else:
            failed += 1
            msg = r.find("t:Output/t:ErrorInfo/t:Message", NS)
            first = (msg.text or "").strip().splitlines()[0] if msg is not None and msg.text else outcome
            failures.append(f"  FAILED {r.get('testName', '?')}: {first}")
    print(passed, failed, skipped)
    for line in failures:
        print(line)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: trx_summary.py FILE.trx")
    main(sys.argv[1])
