#!/usr/bin/env python3
"""Checks that a generated corpus is realistic where it matters for analysis.

    python3 bench/similarity.py bench/out/n1000-seed1

Prints the TF-IDF cosine of article pairs from the same story arc, from the
same topic but different stories, and at random (using `truth.tsv`). In real
news, coverage of one story is moderately similar and unrelated stories are
not; a corpus whose same-topic pairs look like copies would make related
stories trivial and flood any inverted index with candidates. Figures of
seed 1, n=1000, gen.py v4: same arc median 0.45, same topic 0.28, random 0.02.
"""

import collections
import math
import os
import random
import re
import sys

N_PAIRS = 500


def load(root):
    """Term counts (words of 4+ letters) per slug, and the truth rows."""
    with open(os.path.join(root, "truth.tsv")) as f:
        rows = [line.rstrip("\n").split("\t") for line in f][1:]
    counts = {}
    for parent, _, files in os.walk(os.path.join(root, "digest", "content")):
        for name in files:
            with open(os.path.join(parent, name), encoding="utf-8") as f:
                body = f.read().split("\n---\n", 1)[1]
            words = re.findall(r"[a-z]+", body.lower())
            counts[name[:-3]] = collections.Counter(w for w in words if len(w) > 3)
    return counts, {row[0]: row for row in rows}


def tfidf(counts):
    """Unit-length TF-IDF vectors (log term frequency)."""
    n_docs = len(counts)
    df = collections.Counter(w for c in counts.values() for w in c)
    vectors = {}
    for slug, c in counts.items():
        v = {w: (1 + math.log(n)) * math.log(n_docs / df[w]) for w, n in c.items()}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        vectors[slug] = {w: x / norm for w, x in v.items()}
    return vectors, len(df)


def cosine(a, b):
    if len(a) > len(b):
        a, b = b, a
    return sum(x * b.get(w, 0.0) for w, x in a.items())


def describe(values):
    values = sorted(values)
    if not values:
        return "no pairs"
    at = lambda q: values[min(len(values) - 1, int(q * len(values)))]  # noqa: E731
    share = sum(v >= 0.4 for v in values) / len(values)
    return (f"n={len(values)} p10={at(0.1):.2f} median={at(0.5):.2f} "
            f"p90={at(0.9):.2f} share>=0.4={share:.2f}")


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: similarity.py CORPUS_DIR (a folder written by gen.py)")
    counts, truth = load(sys.argv[1])
    vectors, vocabulary = tfidf(counts)
    rng = random.Random(1)
    slugs = sorted(counts)
    by_arc = collections.defaultdict(list)
    by_topic = collections.defaultdict(list)
    for slug in slugs:
        _, arc, _, topics = truth[slug]
        if arc != "-":
            by_arc[arc].append(slug)
        by_topic[topics.split("|")[0]].append(slug)
    arcs = [members for members in by_arc.values() if len(members) > 1]
    topics = [members for members in by_topic.values() if len(members) > 1]
    same_arc, same_topic = [], []
    for _ in range(N_PAIRS):
        a, b = rng.sample(rng.choice(arcs), 2)
        same_arc.append(cosine(vectors[a], vectors[b]))
        a, b = rng.sample(rng.choice(topics), 2)
        if truth[a][1] != truth[b][1] or truth[a][1] == "-":
            same_topic.append(cosine(vectors[a], vectors[b]))
    random_pairs = [cosine(vectors[a], vectors[b])
                    for a, b in (rng.sample(slugs, 2) for _ in range(N_PAIRS))]
    print(f"same story  {describe(same_arc)}")
    print(f"same topic  {describe(same_topic)}")
    print(f"random      {describe(random_pairs)}")
    print(f"vocabulary  {vocabulary} words of 4+ letters")


if __name__ == "__main__":
    main()
