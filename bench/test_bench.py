"""Tests of the benchmark harness: the corpus generator and the measuring.

Run with ``python3 -m unittest discover -s bench`` (standard library only,
about two seconds). They check what the benchmark's figures rest on: the
corpus is deterministic and has the promised shape, and a timed child's
wall time, CPU time and peak memory are really that child's.
"""

import collections
import filecmp
import os
import re
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen  # noqa: E402
import run  # noqa: E402
import vocab  # noqa: E402

N = 400


def front_matter(text):
    """The front matter lines as a dict of raw values, and the body."""
    assert text.startswith("---\n")
    head, body = text[4:].split("\n---\n", 1)
    fields = dict(line.split(": ", 1) for line in head.splitlines())
    return fields, body


def body_words(body):
    # Words of running text: markdown markers and table rules are not words.
    text = re.sub(r"\]\([^)]*\)", " ", body)
    return [w for w in re.split(r"\s+", text) if re.search(r"[A-Za-z0-9]", w)]


class GeneratedCorpus(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.serial = os.path.join(cls.tmp.name, "serial")
        cls.parallel = os.path.join(cls.tmp.name, "parallel")
        gen.generate(cls.serial, N, 7, "both", 1)
        gen.generate(cls.parallel, N, 7, "digest", 2)
        cls.articles = {}
        content = os.path.join(cls.serial, "digest", "content")
        for parent, _, files in os.walk(content):
            for name in files:
                with open(os.path.join(parent, name), encoding="utf-8") as f:
                    cls.articles[os.path.relpath(os.path.join(parent, name), content)] = f.read()

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_worker_count_does_not_change_a_byte(self):
        left = os.path.join(self.serial, "digest", "content")
        right = os.path.join(self.parallel, "digest", "content")
        mismatch = []

        def walk(cmp):
            mismatch.extend(cmp.diff_files + cmp.left_only + cmp.right_only)
            for sub in cmp.subdirs.values():
                walk(sub)

        walk(filecmp.dircmp(left, right))
        self.assertEqual(mismatch, [])
        with open(os.path.join(self.serial, "truth.tsv")) as a, \
                open(os.path.join(self.parallel, "truth.tsv")) as b:
            self.assertEqual(a.read(), b.read())

    def test_another_seed_gives_another_corpus(self):
        with tempfile.TemporaryDirectory() as other:
            gen.generate(other, 20, 8, "digest", 1)
            _, text, _ = gen.make_article(gen.World(8, 20), 0)
            _, mine, _ = gen.make_article(gen.World(7, N), 0)
            self.assertNotEqual(text, mine)

    def test_every_article_has_the_promised_front_matter_and_length(self):
        self.assertEqual(len(self.articles), N)
        slugs = set()
        for path, text in self.articles.items():
            fields, body = front_matter(text)
            for key in ("title", "date", "topics", "source", "slug", "keywords"):
                self.assertIn(key, fields, path)
            topics = re.findall(r'"([^"]+)"', fields["topics"])
            self.assertTrue(1 <= len(topics) <= 3, path)
            self.assertTrue(set(topics) <= set(vocab.TOPICS), path)
            self.assertRegex(fields["date"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")
            self.assertTrue(path.startswith("articles/" + fields["date"][:4] + "/"))
            n_words = len(body_words(body))
            self.assertTrue(300 <= n_words <= 900, f"{path}: {n_words} words")
            self.assertTrue(path.endswith(fields["slug"] + ".md"))
            slugs.add(fields["slug"])
        self.assertEqual(len(slugs), N)

    def test_lists_tables_links_and_two_years_of_dates(self):
        texts = list(self.articles.values())
        with_table = sum("| --- |" in t for t in texts)
        with_list = sum("\n- " in t for t in texts)
        with_link = sum("](https://" in t for t in texts)
        self.assertTrue(0.08 * N < with_table < 0.3 * N, with_table)
        self.assertTrue(0.35 * N < with_list < 0.65 * N, with_list)
        self.assertGreater(with_link, 0.9 * N)
        years = collections.Counter(front_matter(t)[0]["date"][:4] for t in texts)
        self.assertEqual(sorted(years), ["2024", "2025", "2026"])

    def test_stories_continue_across_days(self):
        with open(os.path.join(self.serial, "truth.tsv")) as f:
            rows = [line.rstrip("\n").split("\t") for line in f][1:]
        days_by_arc = collections.defaultdict(set)
        for slug, arc, date, _ in rows:
            if arc != "-":
                days_by_arc[arc].add(date[:10])
        in_multi_day_arcs = sum(
            1 for _, arc, _, _ in rows if arc != "-" and len(days_by_arc[arc]) > 1)
        # Most articles must have related coverage on other days, or related
        # stories and threads would have nothing to find.
        self.assertGreater(in_multi_day_arcs, N // 2)

    def test_hugo_twin_reads_the_same_content(self):
        with open(os.path.join(self.serial, "hugo", "hugo.toml")) as f:
            config = f.read()
        self.assertIn('contentDir = "../digest/content"', config)
        self.assertIn('name = "keywords"', config)
        for layout in ("baseof.html", "page.html", "home.html", "term.html", "taxonomy.html"):
            self.assertTrue(os.path.exists(os.path.join(self.serial, "hugo", "layouts", layout)))
        self.assertFalse(os.path.exists(os.path.join(self.parallel, "hugo")))


class Measuring(unittest.TestCase):
    def test_timed_reports_the_childs_wall_cpu_and_memory(self):
        # 200 MB touched, then 0.3 s asleep: memory and wall are the child's,
        # and sleeping uses no CPU.
        code = "import time; b = bytearray(200 * 1024 * 1024); time.sleep(0.3)"
        measured = run.timed([sys.executable, "-c", code])
        self.assertEqual(measured.status, 0)
        self.assertGreaterEqual(measured.wall, 0.3)
        self.assertGreater(measured.max_rss_mib, 190)
        self.assertLess(measured.cpu, measured.wall)

    def test_timeout_kills_and_says_so(self):
        measured = run.timed([sys.executable, "-c", "import time; time.sleep(30)"], timeout=0.5)
        self.assertTrue(measured.timed_out)
        self.assertLess(measured.wall, 10)

    def test_stage_timings_are_parsed_from_digest_stderr(self):
        stderr = ("warning: x\n  config        0.4 ms\n"
                  "  load       1234.5 ms   cpu     2310 ms   peak    120 MB\n"
                  "  write   12.0 ms\n")
        self.assertEqual(run.parse_timings(stderr), [
            {"stage": "config", "ms": 0.4},
            {"stage": "load", "ms": 1234.5, "cpu_ms": 2310.0, "peak_mb": 120.0},
            {"stage": "write", "ms": 12.0},
        ])

    def test_unchanged_files_keep_their_mtimes_and_rewrites_show(self):
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "a", "index.html")
            os.makedirs(os.path.dirname(path))
            with open(path, "w") as f:
                f.write("x")
            before = run.mtimes(folder)
            self.assertEqual(before, run.mtimes(folder))
            os.utime(path, ns=(1, 1))
            self.assertNotEqual(before, run.mtimes(folder))
            self.assertEqual(run.files_by_section(folder), {"a": 1})
            self.assertEqual(run.article_pages(folder), 0)


if __name__ == "__main__":
    unittest.main()
