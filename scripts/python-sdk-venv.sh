#!/usr/bin/env bash
# Prints the path of a Python interpreter with the official StateFun Python SDK (3.3.0) and
# aiohttp, making a venv in target/py-venv the first time. The runtime's interoperability
# test runs a function written with that SDK. Exits non-zero if it cannot be made.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=target/py-venv
if ! "${venv}/bin/python" -c 'import statefun, aiohttp' 2>/dev/null; then
    # StateFun 3.3.0 pins protobuf<4, which runs on current CPython with its pure-Python backend.
    python3 -m venv "${venv}" >&2
    "${venv}/bin/pip" install --quiet --disable-pip-version-check \
        'apache-flink-statefun==3.3.0' aiohttp >&2
fi
echo "${PWD}/${venv}/bin/python"
