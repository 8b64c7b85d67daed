#!/usr/bin/env python3
"""Profiles one `digest build` on a generated corpus and names the hot spots.

    python3 bench/profile.py --n 10000            # perf, flat profile
    python3 bench/profile.py --n 1000 --callers   # perf with DWARF call graphs
    python3 bench/profile.py --n 1000 --valgrind  # callgrind, where perf is missing

It reuses (or generates) the corpus of `run.py`, builds the release binary
(which keeps line tables, see `[profile.release]` in Cargo.toml, so symbols
and lines resolve), records a full build from an empty output folder, and
writes the report to ``bench/profiles/`` (git-ignored) and, top lines only,
to standard output.

Flat (self time per function) is the default because release builds have no
frame pointers: ``perf -g`` would give broken stacks, and DWARF unwinding
(``--callers``) writes tens of MB per second, fine at 1k but heavy at 10k.
"""

import argparse
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import run  # noqa: E402  (the path line above makes it importable)


def main():
    parser = argparse.ArgumentParser(description="Profile `digest build` on a generated corpus.")
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--out", default=os.path.join(HERE, "out"))
    parser.add_argument("--callers", action="store_true",
                        help="record DWARF call graphs and report inclusive time too")
    parser.add_argument("--valgrind", action="store_true",
                        help="use valgrind --tool=callgrind instead of perf (slow: use n=1000)")
    parser.add_argument("--freq", type=int, default=None,
                        help="samples per second (default 999, or 99 with --callers, whose "
                        "samples carry 16 KB of stack each)")
    parser.add_argument("--skip-build", action="store_true")
    parser.add_argument("--top", type=int, default=30, help="report lines to print")
    args = parser.parse_args()
    args.out = os.path.abspath(args.out)

    run.build_digest(args.skip_build)
    folder, _ = run.corpus(args.out, args.n, args.seed, args.jobs)
    site = os.path.join(folder, "digest")
    profiles = os.path.join(HERE, "profiles")
    os.makedirs(profiles, exist_ok=True)
    run.clean(site)
    build = run.digest_cmd(site, "--timings")

    if args.valgrind:
        data = os.path.join(profiles, f"callgrind-n{args.n}.out")
        subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={data}", *build],
                       check=True)
        report = subprocess.run(["callgrind_annotate", "--inclusive=no", data],
                                capture_output=True, text=True, check=True).stdout
    else:
        data = os.path.join(profiles, f"perf-n{args.n}.data")
        freq = args.freq or (99 if args.callers else 999)
        record = ["perf", "record", "-F", str(freq), "-o", data]
        if args.callers:
            record += ["--call-graph", "dwarf,16384"]
        subprocess.run([*record, "--", *build], check=True)
        sort = ["--sort", "dso,symbol"]
        flat = subprocess.run(["perf", "report", "-i", data, "--stdio", "--no-children",
                               "--percent-limit", "0.3", *sort],
                              capture_output=True, text=True, check=True).stdout
        report = flat
        if args.callers:
            inclusive = subprocess.run(
                ["perf", "report", "-i", data, "--stdio", "--children", "-g", "none",
                 "--percent-limit", "2", *sort],
                capture_output=True, text=True, check=True).stdout
            report += "\n\n# Inclusive (children) time\n" + inclusive
    path = os.path.join(profiles, f"report-n{args.n}{'-callgrind' if args.valgrind else ''}.txt")
    with open(path, "w") as f:
        f.write(report)
    lines = [line for line in report.splitlines() if line.strip() and not line.startswith("#")]
    print("\n".join(lines[:args.top]))
    print(f"\nfull report: {os.path.relpath(path)}")
    shutil.rmtree(os.path.join(site, "public"), ignore_errors=True)


if __name__ == "__main__":
    main()
