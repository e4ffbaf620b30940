#!/usr/bin/env bash
# The project's whole test suite: formatting, lints, every test and doctest, the docs, then a
# build of the benchmarks.
# This is the README's test command; CI runs it through .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

# The runtime's interoperability test needs the official Python SDK. Without it (no
# python3, no package registry) that one test says it is skipped; in CI it fails instead.
if [ -z "${STATEFUN_PYTHON:-}" ]; then
    if python="$(./scripts/python-sdk-venv.sh)"; then
        export STATEFUN_PYTHON="${python}"
    elif [ "${CI:-}" = "true" ]; then
        echo "could not set up the Python SDK venv" >&2
        exit 1
    else
        echo "warning: no Python SDK venv; the Python interoperability test will be skipped" >&2
    fi
fi

echo "==> cargo fmt --all --check"
cargo fmt --all --check

echo "==> cargo clippy --workspace --all-targets --all-features -- -D warnings"
cargo clippy --workspace --all-targets --all-features -- -D warnings

echo "==> cargo test --workspace --all-features"
cargo test --workspace --all-features

echo "==> the dashboard in a browser (scripts/browser-test.sh)"
./scripts/browser-test.sh

echo "==> cargo doc --workspace --all-features --no-deps (warnings are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --all-features --no-deps --quiet

# Benchmarks are never timed in tests; CI only checks that they build.
echo "==> cargo bench --workspace --no-run"
cargo bench --workspace --no-run
