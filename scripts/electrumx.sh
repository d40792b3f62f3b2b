#!/usr/bin/env bash
# Installs the pinned ElectrumX (PyPI `e-x`, spesmilo's maintained fork) with its LevelDB binding
# into a virtualenv under .tools/electrumx/, for the Electrum-server tests; reused when
# .tools/electrumx.version names the pinned versions.
#
# Why e-x 1.18.0: from 1.20 it asks the daemon's getnetworkinfo for Bitcoin Core 28 or newer (2.0:
# Core 31 with a txospenderindex), so it will not run in front of bcoin 1.0.2, the tests' node; 1.18
# checks no version. btcd v0.26.0 cannot be its daemon at all: ElectrumX's JSON-RPC requests carry
# no "jsonrpc" member, and btcd answers those with an empty body.
set -euo pipefail
cd "$(dirname "$0")/.."

PINNED="e-x==1.18.0 plyvel==1.5.1"
TOOLS="$PWD/.tools"
VENV="$TOOLS/electrumx"
STAMP="$TOOLS/electrumx.version"

if [ -x "$VENV/bin/electrumx_server" ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$PINNED" ]; then
  exit 0
fi
if ! command -v python3 >/dev/null 2>&1; then
  echo "scripts/electrumx.sh: Python 3 is needed to install ElectrumX for the tests" >&2
  exit 1
fi
echo "scripts/electrumx.sh: installing $PINNED into .tools/electrumx/" >&2
start=$SECONDS
rm -rf "$VENV" "$STAMP"
mkdir -p "$TOOLS"
python3 -m venv "$VENV"
# shellcheck disable=SC2086
"$VENV/bin/pip" install --quiet --disable-pip-version-check $PINNED
echo "$PINNED" > "$STAMP"
echo "scripts/electrumx.sh: installed in $((SECONDS - start)) s" >&2
