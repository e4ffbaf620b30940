#!/usr/bin/env bash
# Prints the path of a Python interpreter with the official StateFun 2.x Python SDK (2.2.2),
# making a venv in target/py-venv-2 the first time. The runtime's 2.x interoperability test
# runs functions written with that SDK. Exits non-zero if it cannot be made.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=target/py-venv-2
if ! "${venv}/bin/python" -c 'import statefun, google.protobuf' 2>/dev/null; then
    # StateFun 2.2.2 needs protobuf<4, which runs on current CPython with its pure-Python
    # backend; its functions are served with the standard library's HTTP server.
    python3 -m venv "${venv}" >&2
    "${venv}/bin/pip" install --quiet --disable-pip-version-check \
        'apache-flink-statefun==2.2.2' >&2
fi
echo "${PWD}/${venv}/bin/python"
