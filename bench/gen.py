#!/usr/bin/env python3
"""Generates a synthetic news corpus for the `digest` vs Hugo benchmark.

The corpus is N Markdown articles with YAML front matter (title, date with a
UTC offset, 1-3 of 40 topics, source, author, keywords, slug), 300-900 words
of paragraphs, headings, lists, links and now and then a table, spread over
two years. Articles belong to *story arcs*: a developing story in one topic
with its own people, places, organisations and key terms, told by several
outlets over days or weeks. That is what makes related stories, threads and
near-topics exist in the corpus, as they do in real news.

Output (``--out DIR``):

- ``DIR/digest/site.toml`` and ``DIR/digest/content/articles/YYYY/MM/*.md``:
  a `digest` site;
- ``DIR/hugo/``: an equivalent Hugo site (``hugo.toml`` plus the minimal
  theme in ``bench/hugo_layouts/``) that reads the *same* content files
  through ``contentDir``, so both tools build byte-identical input;
- ``DIR/truth.tsv``: slug, story arc and topics of every article, the
  ground truth for judging related stories and threads (kept outside
  ``content/`` so neither tool sees it).

``--mode digest`` writes only the `digest` site and the truth file: the plain
corpus for measuring analysis speed at 10k/30k/100k.

Deterministic: the same ``--n`` and ``--seed`` give byte-identical files,
whatever the number of worker processes, because every article draws from a
generator seeded by (seed, article index) alone. Python standard library only.
"""

import argparse
import bisect
import datetime as dt
import multiprocessing
import os
import random
import re
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vocab  # noqa: E402  (the path line above makes it importable)

# Bump when the output changes, so `run.py` regenerates stale corpora.
GENERATOR_VERSION = 4

# The corpus spans the two years before this day, fixed so the output never
# depends on when the script runs.
END_DATE = dt.date(2026, 10, 31)
SPAN_DAYS = 730

HERE = os.path.dirname(os.path.abspath(__file__))

# The world (topics, entities, arcs) is built once in the parent and then
# inherited by forked workers; see `build_world`.
WORLD = None


# Long-tail words each topic owns, and the size of the whole made-up lexicon.
TOPIC_TAIL = 150
LEXICON_SIZE = 24_000


def _lexicon(rng):
    """LEXICON_SIZE distinct made-up words in a seeded random order."""
    words = set()
    while len(words) < LEXICON_SIZE:
        n_syllables = rng.choice((1, 2, 2, 2, 3))
        word = "".join(rng.choice(vocab.ONSETS) + rng.choice(vocab.VOWELS) + rng.choice(vocab.CODAS)
                       for _ in range(n_syllables)) + rng.choice(vocab.SUFFIXES)
        if 4 <= len(word) <= 11:
            words.add(word)
    ordered = sorted(words)
    rng.shuffle(ordered)
    return ordered


# The made-up vocabulary is the same for every seed, as a language is: the
# seed varies the stories, not the words.
LEXICON = _lexicon(random.Random("lexicon"))


class Arc:
    """One developing story: a topic, its cast and terms, and a time span."""

    __slots__ = ("idx", "topic", "extra_topics", "people", "orgs", "places",
                 "terms", "start", "days")

    def __init__(self, idx, topic, extra_topics, people, orgs, places, terms,
                 start, days):
        self.idx = idx
        self.topic = topic
        self.extra_topics = extra_topics
        self.people = people
        self.orgs = orgs
        self.places = places
        self.terms = terms
        self.start = start
        self.days = days


class World:
    """Everything shared by all articles: topics, entity pools and arcs."""

    def __init__(self, seed, n_articles):
        rng = random.Random(f"world-{seed}")
        self.seed = seed
        self.topics = list(vocab.TOPICS)
        self.lexicon = LEXICON
        # A topic's words: its hand-written core first (drawn most often),
        # then a long tail of its own from the lexicon, so two stories on
        # one topic share some words but not most of them.
        self.topic_words = {}
        for t_idx, (topic, words) in enumerate(vocab.TOPICS.items()):
            tail = self.lexicon[t_idx * TOPIC_TAIL:(t_idx + 1) * TOPIC_TAIL]
            self.topic_words[topic] = words.split() + tail
        # The rest of the lexicon is shared by all topics: story-specific
        # terms and the rare words any article may use.
        self.general = self.lexicon[len(vocab.TOPICS) * TOPIC_TAIL:]
        # Topic sizes follow a gentle power law, as in a real archive where
        # politics outnumbers cricket.
        order = self.topics[:]
        rng.shuffle(order)
        self.topic_weight = {t: 1.0 / (rank + 6) for rank, t in enumerate(order)}
        # Each topic has three neighbours it is often tagged together with.
        self.neighbours = {
            t: rng.sample([u for u in self.topics if u != t], 3) for t in self.topics
        }

        people = [f"{f} {s}" for f in vocab.FIRST_NAMES for s in vocab.SURNAMES]
        rng.shuffle(people)
        places = [h + t for h in vocab.PLACE_HEADS for t in vocab.PLACE_TAILS]
        rng.shuffle(places)
        self.all_places = places
        self.topic_people = {}
        self.topic_places = {}
        self.topic_orgs = {}
        for t_idx, topic in enumerate(self.topics):
            self.topic_people[topic] = people[t_idx * 40:(t_idx + 1) * 40]
            self.topic_places[topic] = rng.sample(places, 16)
            orgs = []
            for _ in range(10):
                pattern = rng.choice(vocab.ORG_PATTERNS)
                word = rng.choice(vocab.TOPICS[topic].split()).replace("-", " ")
                orgs.append(pattern.format(P=rng.choice(places), T=word.title()))
            self.topic_orgs[topic] = sorted(set(orgs))

        # Arcs: about one per six articles, most short and small, a few long
        # and big (Pareto weights), so some stories run for weeks.
        n_arcs = max(40, n_articles // 6)
        topic_cum = _cumulative([self.topic_weight[t] for t in self.topics])
        self.arcs = []
        weights = []
        for idx in range(n_arcs):
            topic = self.topics[_pick(topic_cum, rng.random())]
            # Capped so no single story swamps a small corpus; big stories
            # also run longer.
            weight = min(12.0, rng.paretovariate(1.6))
            n_extra = rng.choice((0, 0, 1, 1, 2))
            extra = rng.sample(self.neighbours[topic], n_extra)
            self.arcs.append(Arc(
                idx=idx,
                topic=topic,
                extra_topics=extra,
                people=rng.sample(self.topic_people[topic], rng.randint(2, 3)),
                orgs=rng.sample(self.topic_orgs[topic], min(2, len(self.topic_orgs[topic]))),
                places=rng.sample(self.topic_places[topic], rng.randint(1, 2)),
                # Core topic words, words of the topic's tail and a few
                # of the story's own (a ship's name, a bill's nickname).
                terms=(rng.sample(vocab.TOPICS[topic].split(), 3)
                       + rng.sample(self.topic_words[topic], 5)
                       + rng.sample(self.general, 4)),
                start=rng.randrange(SPAN_DAYS),
                days=1 + min(60, int(rng.expovariate(1 / 5) + 3 * weight)),
            ))
            weights.append(weight)
        self.arc_cum = _cumulative(weights)
        self.topic_cum = topic_cum


def _cumulative(weights):
    total = 0.0
    out = []
    for w in weights:
        total += w
        out.append(total)
    return [c / total for c in out]


def _pick(cumulative, u):
    return min(bisect.bisect_right(cumulative, u), len(cumulative) - 1)


def _indefinite(word):
    """`word` with "a" or "an" before it, by its first sound (roughly)."""
    vowel = word[0].lower() in "aeiou" or word[:2] in ("8", "8.", "11", "18")
    return ("an " if vowel else "a ") + word


# Word pools as the compiled templates see them (module globals of the
# generated functions). Pools with an article are precomputed, because
# fixing "a early" with a regex cost more than writing the sentence.
_POOLS = {
    "NOUNS": vocab.NOUNS,
    "A_NOUNS": [_indefinite(w) for w in vocab.NOUNS],
    "VERBS": vocab.VERBS,
    "ADJ": vocab.ADJECTIVES,
    "A_ADJ": [_indefinite(w) for w in vocab.ADJECTIVES],
    "CAP_A_ADJ": [_indefinite(w).capitalize() for w in vocab.ADJECTIVES],
    "ROLES": vocab.ROLES,
    "A_ROLES": [_indefinite(w) for w in vocab.ROLES],
    "CAP_A_ROLES": [_indefinite(w).capitalize() for w in vocab.ROLES],
    "A_PERCENT": [_indefinite(str(k)) for k in range(1, 36)],
    "PERIODS": ("week", "month", "year", "quarter", "season"),
    "WEEKDAYS": vocab.WEEKDAYS,
}

# One expression per slot. `r` is the article's `random()`; the a*/t* names
# are the article's pools (arc pools are the topic pools for one-off
# stories). Squaring a uniform number (r() * r() is cheaper and close)
# skews picks to the front of a list: a long tail that keeps common words
# common.
_SLOT_EXPR = {
    "p": "(ap[int(r() * len(ap))] if r() < 0.7 else tp[int(r() * len(tp))])",
    "p2": "tp[int(r() * len(tp))]",
    "o": "(ao[int(r() * len(ao))] if r() < 0.6 else to[int(r() * len(to))])",
    "l": "(al[int(r() * len(al))] if r() < 0.6 else tl[int(r() * len(tl))])",
    "t": "(at[int(r() * len(at))] if r() < 0.45 else tw[int(r() * 13)] if r() < 0.5 "
         "else tw[int(r() * r() * len(tw))])",
    "t2": "tw2[int(r() * r() * len(tw2))]",
    "n": "(NOUNS[int(len(NOUNS) * r() * r())] if r() < 0.55 "
         "else GENERAL[int(len(GENERAL) * r() * r() * r())])",
    "a_n": "A_NOUNS[int(len(A_NOUNS) * r() * r())]",
    "n2": "PERIODS[int(5 * r())]",
    "v": "VERBS[int(len(VERBS) * r() * r())]",
    "a": "ADJ[int(len(ADJ) * r() * r())]",
    "a_a": "A_ADJ[int(len(A_ADJ) * r() * r())]",
    "A_a": "CAP_A_ADJ[int(len(CAP_A_ADJ) * r() * r())]",
    "r": "ROLES[int(len(ROLES) * r())]",
    "a_r": "A_ROLES[int(len(A_ROLES) * r())]",
    "A_r": "CAP_A_ROLES[int(len(CAP_A_ROLES) * r())]",
    "d": "WEEKDAYS[int(7 * r())]",
    "k": "2 + int(r() * 479)",
    "q": "1 + int(r() * 35)}.{int(r() * 10)",
    "a_q": "A_PERCENT[int(r() * 35)]}.{int(r() * 10)",
}
_SLOT_NAMES = tuple(_SLOT_EXPR)
_POOLS["GENERAL"] = LEXICON[len(vocab.TOPICS) * TOPIC_TAIL:]
_SLOT_RE = re.compile(r"\{(\w+)\}")
_ARGS = "r, ap, tp, ao, to, al, tl, at, tw, tw2"


def _compile(template):
    """`template` as one function returning an f-string: filling a sentence
    costs one call instead of a call per slot (the generator's hot spot)."""
    body = _SLOT_RE.sub(lambda m: "{" + _SLOT_EXPR[m.group(1)] + "}", template)
    source = f"def fill({_ARGS}):\n    return f{body!r}\n"
    scope = dict(_POOLS)
    exec(compile(source, f"<template {template!r}>", "exec"), scope)
    return scope["fill"]


_SENTENCES = [_compile(t) for t in vocab.SENTENCES]
_SLOT_FILLERS = {name: _compile("{" + name + "}") for name in _SLOT_NAMES}


_SLUG_STRIP = re.compile(r"[^a-z0-9]+")


def slugify(text):
    slug = _SLUG_STRIP.sub("-", text.lower()).strip("-")
    if len(slug) > 60:
        slug = slug[:60].rsplit("-", 1)[0]
    return slug


def yaml_str(text):
    """A double-quoted YAML scalar (titles contain colons and quotes)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Filler:
    """Fills template slots for one article from its arc and topic pools."""

    def __init__(self, world, rng, arc, topic, topics):
        self.rng = rng
        self.arc = arc
        self.topic = topic
        self.people = world.topic_people[topic]
        self.places = world.topic_places[topic]
        self.orgs = world.topic_orgs[topic]
        self.words = world.topic_words[topic]
        second = topics[1] if len(topics) > 1 else topic
        self.words2 = world.topic_words[second]
        self.random = rng.random
        if arc is None:
            self.args = (rng.random, self.people, self.people, self.orgs, self.orgs,
                         self.places, self.places, self.words, self.words, self.words2)
        else:
            self.args = (rng.random, arc.people, self.people, arc.orgs, self.orgs,
                         arc.places, self.places, arc.terms, self.words, self.words2)

    def slots(self):
        """A mapping that fills a slot when a template first asks for it,
        for titles, headings and list items (`str.format_map`)."""
        return _LazySlots(self.args)

    def sentence(self):
        return _SENTENCES[int(len(_SENTENCES) * self.random())](*self.args)

    def title(self):
        text = self.rng.choice(vocab.TITLES).format_map(self.slots())
        return text[0].upper() + text[1:]


class _LazySlots(dict):
    """Slot values drawn on first use; capitalised names (`P`, `T`, ...) are
    the same slot for titles."""

    def __init__(self, args):
        super().__init__()
        self.args = args

    def __missing__(self, name):
        if name in ("P", "L", "O"):
            value = self[name.lower()]
        elif name in ("T", "A"):
            value = self[name.lower()].capitalize()
        else:
            value = str(_SLOT_FILLERS[name](*self.args))
        self[name] = value
        return value


def make_article(world, idx):
    """Returns (relative path, file text, truth row) of article `idx`."""
    rng = random.Random(world.seed * 1_000_003 + idx)
    if rng.random() < 0.12:
        # A one-off story outside any arc.
        arc = None
        topic = world.topics[_pick(world.topic_cum, rng.random())]
        extra = rng.sample(world.neighbours[topic], rng.choice((0, 0, 1)))
        day = rng.randrange(SPAN_DAYS)
    else:
        arc = world.arcs[_pick(world.arc_cum, rng.random())]
        topic = arc.topic
        extra = list(arc.extra_topics)
        day = min(SPAN_DAYS - 1, arc.start + rng.randrange(arc.days))
    topics = [topic] + extra

    source, offset, domain = rng.choice(vocab.SOURCES)
    sign = 1 if offset[0] == "+" else -1
    hours, minutes = int(offset[1:3]), int(offset[4:6])
    tz = dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))
    date = dt.datetime.combine(
        END_DATE - dt.timedelta(days=SPAN_DAYS - 1 - day),
        dt.time(rng.randint(5, 22), rng.randint(0, 59), rng.randint(0, 59)),
        tzinfo=tz,
    )

    fill = Filler(world, rng, arc, topic, topics)
    title = fill.title()
    slug = f"{slugify(title)}-{idx}"
    author = f"{rng.choice(vocab.FIRST_NAMES)} {rng.choice(vocab.SURNAMES)}"
    if arc is not None:
        keywords = [arc.people[0], arc.places[0], arc.orgs[0]] + arc.terms[:2]
    else:
        slots = fill.slots()
        keywords = [slots["p"], slots["l"], rng.choice(fill.words)]

    lines = [
        "---",
        f"title: {yaml_str(title)}",
        f"date: {date.isoformat()}",
        "topics: [" + ", ".join(yaml_str(t) for t in topics) + "]",
        f"source: {yaml_str(source)}",
        f"source_url: https://www.{domain}.example/{date:%Y/%m/%d}/{slug}",
        f"author: {yaml_str(author)}",
        "keywords: [" + ", ".join(yaml_str(k) for k in keywords) + "]",
        f"slug: {slug}",
        "---",
        "",
    ]

    # The last paragraph overshoots by up to ~90 words; aim lower to stay
    # within 300-900 words of body text.
    target = rng.randint(300, 800)
    n_words = 0
    n_paragraphs = 0
    has_list = rng.random() < 0.5
    has_table = rng.random() < 0.17
    n_links = rng.randint(1, 3)
    while n_words < target:
        sentences = [fill.sentence() for _ in range(rng.randint(3, 6))]
        if n_links and rng.random() < 0.4:
            # Turn the last words of a sentence into a link, as news sites
            # link to earlier coverage.
            n_links -= 1
            words = sentences[0].rstrip(".").split(" ")
            cut = max(1, len(words) - 3)
            anchor = " ".join(words[cut:])
            link = f"https://www.{rng.choice(vocab.SOURCES)[2]}.example/{slugify(anchor)}"
            sentences[0] = " ".join(words[:cut]) + f" [{anchor}]({link})."
        if n_paragraphs and n_paragraphs % 4 == 0:
            # A subheading every few paragraphs, never last in the article.
            heading = rng.choice(vocab.HEADINGS).format_map(fill.slots())
            n_words += heading.count(" ") + 1
            lines.append("## " + heading)
            lines.append("")
        paragraph = " ".join(sentences)
        n_words += paragraph.count(" ") + 1
        lines.append(paragraph)
        lines.append("")
        n_paragraphs += 1
        if n_paragraphs == 3 and has_list:
            lines.append("Key points:")
            lines.append("")
            for _ in range(rng.randint(3, 5)):
                s = fill.slots()
                lines.append(f"- {s['a'].capitalize()} {s['t']} {s['n']} in {s['l']}")
            lines.append("")
            n_words += 20
        if n_paragraphs == 5 and has_table:
            lines.append(f"| {topic} | {date.year - 1} | {date.year} | change |")
            lines.append("| --- | ---: | ---: | ---: |")
            for _ in range(rng.randint(3, 6)):
                place = rng.choice(fill.places)
                before, after = rng.randint(100, 9000), rng.randint(100, 9000)
                lines.append(f"| {place} | {before} | {after} | {after - before:+d} |")
            lines.append("")
            n_words += 30

    path = f"articles/{date:%Y}/{date:%m}/{slug}.md"
    arc_id = f"arc-{arc.idx}" if arc is not None else "-"
    truth = f"{slug}\t{arc_id}\t{date.isoformat()}\t{'|'.join(topics)}"
    return path, "\n".join(lines), truth


def _write_range(args):
    content_dir, start, stop = args
    made = set()
    truth = []
    for idx in range(start, stop):
        rel, text, row = make_article(WORLD, idx)
        path = os.path.join(content_dir, rel)
        folder = os.path.dirname(path)
        if folder not in made:
            os.makedirs(folder, exist_ok=True)
            made.add(folder)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        truth.append(row)
    return truth


SITE_TOML = """\
# A `digest` site generated by bench/gen.py (N = {n}, seed = {seed}).
title = "Synthetic News Digest"
description = "A generated news corpus for the digest vs Hugo benchmark"
base_url = "https://bench.example.org/"
language = "en"
timezone = "UTC"
paginate = 20
feed_limit = 50
"""

HUGO_TOML = """\
# The Hugo twin of ../digest (N = {n}, seed = {seed}): same content files,
# taxonomies on topics, 5 related articles per page, feeds and sitemap.
baseURL = "https://bench.example.org/"
title = "Synthetic News Digest"
languageCode = "en"
contentDir = "../digest/content"
disableKinds = []
timeZone = "UTC"

[taxonomies]
topic = "topics"

[permalinks.page]
articles = "/articles/:slug/"

[pagination]
pagerSize = 20

[services.rss]
limit = 50

[related]
includeNewer = true
threshold = 80
toLower = true

[[related.indices]]
name = "keywords"
weight = 100

[[related.indices]]
name = "topics"
weight = 80

[[related.indices]]
name = "date"
weight = 10
"""


def generate(out, n, seed, mode, jobs):
    """Writes the corpus into `out` (replacing it); returns seconds taken."""
    global WORLD
    started = time.perf_counter()
    if os.path.exists(out):
        shutil.rmtree(out)
    content_dir = os.path.join(out, "digest", "content")
    os.makedirs(content_dir)
    WORLD = World(seed, n)

    # Chunks small enough to balance the workers; the files do not depend on
    # how the range is split.
    step = max(100, n // (jobs * 8) if jobs > 1 else n)
    chunks = [(content_dir, s, min(n, s + step)) for s in range(0, n, step)]
    if jobs > 1 and len(chunks) > 1:
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(jobs) as pool:
            parts = pool.map(_write_range, chunks)
    else:
        parts = [_write_range(c) for c in chunks]

    with open(os.path.join(out, "digest", "site.toml"), "w") as f:
        f.write(SITE_TOML.format(n=n, seed=seed))
    with open(os.path.join(out, "truth.tsv"), "w") as f:
        f.write("slug\tarc\tdate\ttopics\n")
        for part in parts:
            for row in part:
                f.write(row + "\n")
    if mode == "both":
        hugo = os.path.join(out, "hugo")
        shutil.copytree(os.path.join(HERE, "hugo_layouts"), os.path.join(hugo, "layouts"))
        with open(os.path.join(hugo, "hugo.toml"), "w") as f:
            f.write(HUGO_TOML.format(n=n, seed=seed))
    with open(os.path.join(out, "STAMP"), "w") as f:
        f.write(stamp(n, seed, mode))
    return time.perf_counter() - started


def stamp(n, seed, mode):
    """What a corpus folder was made from; `run.py` reuses a matching one."""
    return f"gen.py v{GENERATOR_VERSION} n={n} seed={seed} mode={mode}\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1000, help="number of articles")
    parser.add_argument("--seed", type=int, default=1, help="random seed")
    parser.add_argument("--out", required=True, help="output folder (replaced)")
    parser.add_argument("--mode", choices=("both", "digest"), default="both",
                        help="both: digest and Hugo sites; digest: the digest site only")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="worker processes")
    args = parser.parse_args()
    if args.n < 1:
        parser.error("--n must be at least 1")
    seconds = generate(args.out, args.n, args.seed, args.mode, args.jobs)
    print(f"generated {args.n} articles into {args.out} in {seconds:.1f} s")


if __name__ == "__main__":
    main()
