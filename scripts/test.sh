#!/usr/bin/env bash
# The project's whole test suite: formatting, lints, every test and doctest, then a build of the
# benchmarks.
# This is the README's test command; CI runs it through .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "==> cargo fmt --all --check"
cargo fmt --all --check

echo "==> cargo clippy --workspace --all-targets --all-features -- -D warnings"
cargo clippy --workspace --all-targets --all-features -- -D warnings

echo "==> cargo test --workspace --all-features"
cargo test --workspace --all-features

# Benchmarks are never timed in tests; CI only checks that they build.
echo "==> cargo bench --workspace --no-run"
cargo bench --workspace --no-run
