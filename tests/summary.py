#!/usr/bin/env python3
"""Summarise a `cargo test --no-fail-fast` log (make test): tests passed, failed and ignored over
every test binary, the failed tests by name, and every binary that started but printed no result
(it crashed or was killed: its tests are neither passed nor failed, so they would go unseen).

Usage: tests/summary.py build/test.log   (exit status 1 when anything failed or went missing)
"""
import re
import sys

RUNNING = re.compile(r"^\s+Running (\S+) \((\S+)\)")
UNITTESTS = re.compile(r"^\s+Running unittests (\S+) \((\S+)\)")
RESULT = re.compile(
    r"^test result: (ok|FAILED)\. (\d+) passed; (\d+) failed; (\d+) ignored; (\d+) measured"
)
FAILED_TEST = re.compile(r"^test (\S+) \.\.\. FAILED")


def main(path):
    binaries = []  # [name, saw_result, is_bench, bench_ok]
    passed = failed = ignored = 0
    failed_tests = []
    with open(path, errors="replace") as f:
        for line in f:
            m = UNITTESTS.match(line) or RUNNING.match(line)
            if m:
                src = m.group(1)
                binaries.append([src, False, src.startswith("benches/"), False])
                continue
            if not binaries:
                continue
            cur = binaries[-1]
            m = RESULT.match(line)
            if m:
                cur[1] = True
                passed += int(m.group(2))
                failed += int(m.group(3))
                ignored += int(m.group(4))
                continue
            m = FAILED_TEST.match(line)
            if m:
                failed_tests.append(f"{cur[0]}: {m.group(1)}")
                continue
            # A criterion bench (harness = false) in test mode runs each benchmark once and
            # prints "Success" for it; no libtest result line.
            if cur[2] and line.strip() == "Success":
                cur[3] = True
    missing = [b[0] for b in binaries if not b[1] and not (b[2] and b[3])]
    print(
        f"tests: {passed} passed, {failed} failed, {ignored} ignored "
        f"({len(binaries)} test binaries)"
    )
    for t in failed_tests:
        print(f"  failed: {t}")
    for b in missing:
        print(f"  no result from {b}: it crashed or was killed (see the log above)")
    if not binaries:
        print("  no test binary ran")
    return 1 if failed or failed_tests or missing or not binaries else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
