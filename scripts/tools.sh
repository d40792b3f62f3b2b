#!/usr/bin/env bash
# Builds the pinned btcd and btcctl (the second, independent regtest node of the tests) into .tools/bin/, and checks
# that microsocks (installed from Debian, not built) is there.
# Skips the build when .tools/btcd.version already names the pinned version; everything Go needs stays under .tools/.
set -euo pipefail
cd "$(dirname "$0")/.."

BTCD_VERSION=v0.26.0
TOOLS="$PWD/.tools"
STAMP="$TOOLS/btcd.version"

# The proxy tests put Debian's microsocks (a SOCKS5 server) in front of btcd; it is installed, not built.
if [ ! -x /usr/bin/microsocks ]; then
  echo "scripts/tools.sh: microsocks is missing: the SOCKS5 proxy tests need it (apt-get install microsocks; .ci/run installs it)" >&2
  exit 1
fi

if [ -x "$TOOLS/bin/btcd" ] && [ -x "$TOOLS/bin/btcctl" ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$BTCD_VERSION" ]; then
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "scripts/tools.sh: Go is needed to build btcd $BTCD_VERSION for the tests (https://go.dev/dl/)" >&2
  exit 1
fi

mkdir -p "$TOOLS/bin"
rm -f "$STAMP"
export GOBIN="$TOOLS/bin" GOPATH="$TOOLS/go" GOCACHE="$TOOLS/go-cache" GOMODCACHE="$TOOLS/go-mod" GOFLAGS=-modcacherw
echo "scripts/tools.sh: building btcd and btcctl $BTCD_VERSION into .tools/bin/" >&2
start=$SECONDS
go install "github.com/btcsuite/btcd@$BTCD_VERSION" "github.com/btcsuite/btcd/cmd/btcctl@$BTCD_VERSION"
echo "$BTCD_VERSION" > "$STAMP"
echo "scripts/tools.sh: built in $((SECONDS - start)) s" >&2
