#!/usr/bin/env python3
"""Evaluates near-duplicate collapsing on the BBC News corpus.

Writes the 2,225 BBC articles (see newscorpus.py) plus copies made here of a
sample of them (fixed seed), runs the real `digest analyse --json`, and
checks:

  recall: every copy is collapsed with its original (they end up in one
      group through `duplicate_of`), per kind of copy:
        exact        the same headline and text, another outlet;
        source-line  a reporting/source line added and another outlet;
        dropped      one sentence of the body left out;
        punctuation  quotes, dashes, commas and spacing changed;
        combined     all of the above, and the headline recased;
  precision: no two different stories are collapsed. Pairs collapsed that
      are neither a copy and its original nor near-identical already in the
      corpus (the BBC set has some articles twice; 5-word shingle containment
      >= 0.8) are counted as wrong, and those that share a headline word are
      listed.

Usage: python3 scripts/eval/duplicates.py [--seed N] [--copies N] [--json FILE]
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import re
import sys
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import newscorpus  # noqa: E402
from newscorpus import Story  # noqa: E402

KINDS = ["exact", "source-line", "dropped", "punctuation", "combined"]
OUTLETS = ["Northwire", "Harbour Times", "The Daily Ledger", "Eastgate Post"]
STOP = set(
    "a an and are as at be by for from has have in into is it its of on or over the to "
    "up with after new says say said will as us uk".split()
)


def sentences(paragraph: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z\"'])", paragraph) if s]


def drop_sentence(paragraphs: list[str], rng: random.Random) -> list[str]:
    """The paragraphs with one sentence (not the first of the article) left out."""
    candidates = [
        (p_idx, s_idx)
        for p_idx, paragraph in enumerate(paragraphs)
        for s_idx in range(len(sentences(paragraph)))
        if (p_idx, s_idx) != (0, 0)
    ]
    if not candidates:
        return list(paragraphs)
    p_idx, s_idx = rng.choice(candidates)
    out = []
    for idx, paragraph in enumerate(paragraphs):
        if idx == p_idx:
            kept = [s for j, s in enumerate(sentences(paragraph)) if j != s_idx]
            if kept:
                out.append(" ".join(kept))
        else:
            out.append(paragraph)
    return out


def repunctuate(text: str) -> str:
    """Another house style: curly quotes, spaced en dashes, fewer commas."""
    text = re.sub(r'"([^"]*)"', "\u201c\\1\u201d", text)
    text = text.replace(" - ", " \u2013 ").replace("'", "\u2019")
    text = re.sub(r",\s+(and|but|or)\b", r" \1", text)
    text = text.replace(". ", ".  ")
    return text


def copy_of(story: Story, kind: str, number: int, rng: random.Random) -> Story:
    outlet = OUTLETS[number % len(OUTLETS)]
    title = story.title
    paragraphs = list(story.paragraphs)
    if kind in ("source-line", "combined"):
        paragraphs.append(f"Reporting by {outlet} staff; editing by the news desk.")
    if kind in ("dropped", "combined"):
        paragraphs = drop_sentence(paragraphs, rng)
    if kind in ("punctuation", "combined"):
        paragraphs = [repunctuate(p) for p in paragraphs]
    if kind == "combined":
        title = title.title()
    return Story(
        slug=f"copy-{kind}-{story.slug}",
        label=story.label,
        title=title,
        paragraphs=paragraphs,
        date=story.date + timedelta(days=number % 2),
        source=outlet,
    )


def shingles(story: Story, size: int = 5) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", " ".join(story.paragraphs).lower())
    return {tuple(words[i : i + size]) for i in range(max(len(words) - size + 1, 1))}


def containment(a: set, b: set) -> float:
    return len(a & b) / max(min(len(a), len(b)), 1)


def headline_words(title: str) -> set[str]:
    return {w for w in re.findall(r"[a-z][a-z']+", title.lower()) if w not in STOP}


class Groups:
    """Union-find over slugs."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, slug: str) -> str:
        self.parent.setdefault(slug, slug)
        while self.parent[slug] != slug:
            self.parent[slug] = self.parent[self.parent[slug]]
            slug = self.parent[slug]
        return slug

    def union(self, a: str, b: str) -> None:
        self.parent[self.find(a)] = self.find(b)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--copies", type=int, default=40, help="originals copied per kind")
    parser.add_argument("--binary", type=Path, help="a digest binary (default: build one)")
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    args = parser.parse_args()

    originals = newscorpus.load_bbc()
    binary = args.binary or newscorpus.build_binary()
    rng = random.Random(args.seed)
    chosen = rng.sample(originals, args.copies * len(KINDS))
    copies = []
    original_of: dict[str, str] = {}
    kind_of: dict[str, str] = {}
    for kind_idx, kind in enumerate(KINDS):
        batch = chosen[kind_idx * args.copies : (kind_idx + 1) * args.copies]
        for number, story in enumerate(batch):
            copy = copy_of(story, kind, number, rng)
            copies.append(copy)
            original_of[copy.slug] = story.slug
            kind_of[copy.slug] = kind

    site = newscorpus.scratch_dir("duplicates")
    stories = originals + copies
    newscorpus.write_site(site, stories)
    results, elapsed = newscorpus.analyse(binary, site)
    print(
        f"BBC News: {len(originals)} articles + {len(copies)} copies, "
        f"{newscorpus.environment()}, analyse {elapsed:.2f} s"
    )

    groups = Groups()
    for slug, result in results.items():
        groups.find(slug)
        if result.duplicate_of:
            groups.union(slug, result.duplicate_of)

    # Recall: each copy with its original.
    found = defaultdict(int)
    missed = []
    for copy in copies:
        if groups.find(copy.slug) == groups.find(original_of[copy.slug]):
            found[kind_of[copy.slug]] += 1
        else:
            missed.append(copy.slug)
    recall = {kind: found[kind] / args.copies for kind in KINDS}
    total_recall = sum(found.values()) / len(copies)
    print(f"recall: {total_recall:.3f} of {len(copies)} copies collapsed with their original")
    for kind in KINDS:
        print(f"      {kind}: {found[kind]}/{args.copies}")
    for slug in missed[:10]:
        print(f"      missed {slug}")

    # Precision: every collapsed pair should be a copy or already near-identical.
    by_slug = {s.slug: s for s in stories}
    members = defaultdict(list)
    for slug in results:
        members[groups.find(slug)].append(slug)
    shingle_cache: dict[str, set] = {}

    def story_shingles(slug: str) -> set:
        if slug not in shingle_cache:
            shingle_cache[slug] = shingles(by_slug[slug])
        return shingle_cache[slug]

    def base(slug: str) -> str:
        return original_of.get(slug, slug)

    n_pairs = 0
    wrong = []
    corpus_twins = 0
    for group in members.values():
        for a, b in itertools.combinations(sorted(group), 2):
            n_pairs += 1
            if base(a) == base(b):
                continue
            score = containment(story_shingles(base(a)), story_shingles(base(b)))
            if score >= 0.8:
                corpus_twins += 1
            else:
                wrong.append((a, b, score))
    shared_word_pairs = 0
    for a, b in itertools.combinations(originals, 2):
        if headline_words(a.title) & headline_words(b.title):
            shared_word_pairs += 1
    wrong_sharing = [
        (a, b, s)
        for a, b, s in wrong
        if headline_words(by_slug[a].title) & headline_words(by_slug[b].title)
    ]
    print(
        f"collapsed pairs: {n_pairs}; copies of one story {n_pairs - corpus_twins - len(wrong)}, "
        f"near-identical twins already in the BBC set {corpus_twins}, "
        f"different stories {len(wrong)}"
    )
    print(
        f"different stories sharing a headline word: {shared_word_pairs} pairs in the corpus, "
        f"{len(wrong_sharing)} collapsed"
    )
    for a, b, score in wrong[:10]:
        print(f"      wrongly collapsed {a} / {b} (containment {score:.2f}): "
              f"{by_slug[a].title!r} / {by_slug[b].title!r}")

    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "n_articles": len(originals),
                    "n_copies": len(copies),
                    "recall": total_recall,
                    "recall_by_kind": recall,
                    "collapsed_pairs": n_pairs,
                    "corpus_twins": corpus_twins,
                    "wrong_pairs": len(wrong),
                    "shared_headline_word_pairs": shared_word_pairs,
                    "wrong_sharing_headline_word": len(wrong_sharing),
                    "analyse_seconds": elapsed,
                },
                indent=2,
                sort_keys=True,
            )
            + "\n"
        )


if __name__ == "__main__":
    main()
