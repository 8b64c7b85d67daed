#!/usr/bin/env python3
"""Parse Atom/RSS feeds with feedparser and print what it found, as JSON.

Used by the integration tests (tests/it/validators.rs) through the Python
named by DIGEST_PYTHON, which scripts/test sets up with feedparser:

    feedcheck.py FEED...

prints one JSON object: {"feeds": [{"path", "bozo", "bozo_exception",
"version", "title", "n_entries", "entries": [{"title", "link", "id",
"updated", "has_content"}]}]}. It always exits 0 when the feeds could be
read; the test decides what is wrong, so one run reports every feed.
"""

import json
import sys

import feedparser


def describe(path):
    with open(path, "rb") as handle:
        data = handle.read()
    parsed = feedparser.parse(data)
    entries = []
    for entry in parsed.entries:
        entries.append(
            {
                "title": entry.get("title"),
                "link": entry.get("link"),
                "id": entry.get("id"),
                "updated": entry.get("updated"),
                "has_content": bool(entry.get("content") or entry.get("summary")),
            }
        )
    exception = parsed.get("bozo_exception")
    return {
        "path": path,
        "bozo": bool(parsed.get("bozo")),
        "bozo_exception": None if exception is None else str(exception),
        "version": parsed.get("version"),
        "title": parsed.feed.get("title"),
        "n_entries": len(entries),
        "entries": entries,
    }


def main(paths):
    if not paths:
        print("usage: feedcheck.py FEED...", file=sys.stderr)
        return 2
    json.dump({"feeds": [describe(path) for path in paths]}, sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
