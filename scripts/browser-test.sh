#!/usr/bin/env bash
# The dashboard in a real browser (tests/browser): Debian's Chromium driven by Playwright.
# Without Chromium or npm it is skipped with a message, except in CI, where it fails
# (.ci/run installs Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."

missing=""
[ -x /usr/bin/chromium ] || missing="Chromium (/usr/bin/chromium; apt-get install chromium)"
command -v npm >/dev/null 2>&1 || missing="${missing:+${missing} and }npm"
if [ -n "${missing}" ]; then
    if [ "${CI:-}" = "true" ]; then
        echo "the browser test needs ${missing}" >&2
        exit 1
    fi
    echo "warning: no ${missing}; the dashboard's browser test is skipped" >&2
    exit 0
fi

cargo build --quiet -p greeter
cargo build --quiet -p statefun-runtime --features cli --bin statefun-runtime
(cd tests/browser && npm ci --no-audit --no-fund --silent)
node tests/browser/dashboard.test.mjs target/debug/greeter target/debug/statefun-runtime target/browser
