#!/usr/bin/env bash
# Correlation of digest's related-story score with human judgement on the
# Lee, Pincombe and Welsh (2005) corpus (50 news documents, 1,225 rated
# pairs). The data ships inside the gensim wheel on PyPI; it is downloaded
# into a temporary folder and never committed.
#
#   scripts/eval/lee.sh [extra arguments for examples/eval_lee.rs]
set -euo pipefail
cd "$(dirname "$0")/../.."
data="${LEE_DATA:-}"
if [ -z "$data" ]; then
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    python3 -m pip download --quiet --no-deps --only-binary=:all: gensim -d "$tmp" >&2
    wheel="$(ls "$tmp"/gensim-*.whl | head -n 1)"
    python3 - "$wheel" "$tmp" <<'PY'
import sys, zipfile
wheel, out = sys.argv[1], sys.argv[2]
names = ("lee.cor", "lee_background.cor", "similarities0-1.txt")
with zipfile.ZipFile(wheel) as archive:
    for name in names:
        archive.extract("gensim/test/test_data/" + name, out)
PY
    data="$tmp/gensim/test/test_data"
fi
cargo run --quiet --release --example eval_lee -- "$data" "$@"
