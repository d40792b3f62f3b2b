#!/usr/bin/env bash
# Builds the pinned btcd and btcctl (the second, independent regtest node of the tests) and lnd and lncli (the
# Lightning peer of the interop tests) into .tools/bin/, and checks that microsocks (from Debian, not built) is there.
# Skips a build when .tools/btcd.version or .tools/lnd.version already names the pinned version; everything Go needs
# stays under .tools/.
set -euo pipefail
cd "$(dirname "$0")/.."

BTCD_VERSION=v0.26.0
LND_VERSION=v0.20.0-beta
TOOLS="$PWD/.tools"
STAMP="$TOOLS/btcd.version"
LND_STAMP="$TOOLS/lnd.version"

# The proxy tests put Debian's microsocks (a SOCKS5 server) in front of btcd; it is installed, not built.
if [ ! -x /usr/bin/microsocks ]; then
  echo "scripts/tools.sh: microsocks is missing: the SOCKS5 proxy tests need it (apt-get install microsocks; .ci/run installs it)" >&2
  exit 1
fi

btcd_built() {
  [ -x "$TOOLS/bin/btcd" ] && [ -x "$TOOLS/bin/btcctl" ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$BTCD_VERSION" ]
}
lnd_built() {
  [ -x "$TOOLS/bin/lnd" ] && [ -x "$TOOLS/bin/lncli" ] && [ "$(cat "$LND_STAMP" 2>/dev/null)" = "$LND_VERSION" ]
}
if btcd_built && lnd_built; then
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "scripts/tools.sh: Go is needed to build btcd $BTCD_VERSION and lnd $LND_VERSION for the tests (https://go.dev/dl/)" >&2
  exit 1
fi

mkdir -p "$TOOLS/bin"
export GOBIN="$TOOLS/bin" GOPATH="$TOOLS/go" GOCACHE="$TOOLS/go-cache" GOMODCACHE="$TOOLS/go-mod" GOFLAGS=-modcacherw

if ! btcd_built; then
  rm -f "$STAMP"
  echo "scripts/tools.sh: building btcd and btcctl $BTCD_VERSION into .tools/bin/" >&2
  start=$SECONDS
  go install "github.com/btcsuite/btcd@$BTCD_VERSION" "github.com/btcsuite/btcd/cmd/btcctl@$BTCD_VERSION"
  echo "$BTCD_VERSION" > "$STAMP"
  echo "scripts/tools.sh: btcd built in $((SECONDS - start)) s" >&2
fi

if ! lnd_built; then
  rm -f "$LND_STAMP"
  echo "scripts/tools.sh: building lnd and lncli $LND_VERSION into .tools/bin/" >&2
  start=$SECONDS
  # lnd's go.mod has replace directives, so `go install pkg@version` refuses it: download the module and build
  # inside a writable copy of it, with the module's own go.mod and go.sum.
  dir=$(cd "$TOOLS" && go mod download -json "github.com/lightningnetwork/lnd@$LND_VERSION" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  src="$TOOLS/lnd-src"
  rm -rf "$src"
  cp -r "$dir" "$src"
  chmod -R u+w "$src"
  # Build tags as lnd's Makefile passes them: only the sub-servers the tests call beyond the main RPC and
  # routerrpc (payments, keysend; always built): invoicesrpc, for hold invoices (a payment left in flight
  # while lnd restarts). Measured from an empty cache on 2 shared cores: about 8 minutes (btcd: 36 s).
  tags="invoicesrpc"
  commit="github.com/lightningnetwork/lnd/build.Commit=$LND_VERSION"
  (cd "$src" && go build -trimpath -tags="$tags" -ldflags="-s -w -X $commit" -o "$TOOLS/bin/lnd" ./cmd/lnd &&
    go build -trimpath -tags="$tags" -ldflags="-s -w -X $commit" -o "$TOOLS/bin/lncli" ./cmd/lncli)
  rm -rf "$src"
  echo "$LND_VERSION" > "$LND_STAMP"
  echo "scripts/tools.sh: lnd built in $((SECONDS - start)) s" >&2
fi
