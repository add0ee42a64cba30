#!/usr/bin/env bash
# Installs what Sluice needs on a fresh Debian machine, idempotently: system packages (apt, when
# run as root; otherwise it prints the command to run with sudo), pnpm at the version pinned in
# package.json, and the node packages (the Kafka client compiles librdkafka from its sources).
# Kafka, the search engine and moto are fetched by `sluice stack up` into ~/.cache/sluice.
set -euo pipefail
cd "$(dirname "$0")/.."

# chromium: the console's browser tests (Playwright drives Debian's build; it cannot download its own here).
APT_PACKAGES=(postgresql redis-server maven python3-venv build-essential pkg-config libssl-dev libsasl2-dev libzstd-dev zlib1g-dev chromium)
command -v javac >/dev/null || APT_PACKAGES+=(openjdk-17-jdk-headless)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: missing system packages; run: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)' 2>/dev/null; then
  echo "setup: Node.js 20.19 or newer is required (found $(node -v 2>/dev/null || echo none))" >&2
  exit 1
fi

# Go >= 1.24 builds the synthetic GeoIP test database (MaxMind's writer). The machine's Go may be
# off PATH in a non-login shell (/usr/local/go/bin is added by a profile script) and Debian's
# golang-go is too old, so when no Go in the places `sluice` looks (go-toolchain.ts) is new
# enough, the official toolchain is fetched from the Go module proxy into the cache.
GO_TOOLCHAIN=1.24.13
go_ok() { [ -x "$1" ] && "$1" env GOVERSION 2>/dev/null | grep -Eq '^go1\.(2[4-9]|[3-9][0-9])'; }
cache_dir=${SLUICE_CACHE_DIR:-$HOME/.cache/sluice}
found_go=""
for g in "${GO_BINARY:-}" "$(command -v go || true)" /usr/local/go/bin/go "$HOME/go/bin/go" "$cache_dir/go/bin/go"; do
  if [ -n "$g" ] && go_ok "$g"; then found_go=$g; break; fi
done
if [ -z "$found_go" ]; then
  echo "setup: fetching Go $GO_TOOLCHAIN from the Go module proxy"
  mkdir -p "$cache_dir"
  zip="$cache_dir/go$GO_TOOLCHAIN.zip"
  curl -fsSL -o "$zip" "https://proxy.golang.org/golang.org/toolchain/@v/v0.0.1-go$GO_TOOLCHAIN.linux-amd64.zip"
  rm -rf "$cache_dir/go" "$cache_dir/go-unpack"
  python3 -m zipfile -e "$zip" "$cache_dir/go-unpack"
  mv "$cache_dir/go-unpack/golang.org/toolchain@v0.0.1-go$GO_TOOLCHAIN.linux-amd64" "$cache_dir/go"
  rm -rf "$cache_dir/go-unpack" "$zip"
  chmod +x "$cache_dir"/go/bin/* "$cache_dir"/go/pkg/tool/*/*
  go_ok "$cache_dir/go/bin/go" || { echo "setup: the fetched Go does not run" >&2; exit 1; }
fi

pnpm_version=$(node -p 'require("./package.json").packageManager.split("@")[1]')
if [ "$(pnpm --version 2>/dev/null || true)" != "$pnpm_version" ]; then
  echo "setup: installing pnpm $pnpm_version"
  npm install -g --silent "pnpm@$pnpm_version"
fi

# Build librdkafka against the system's OpenSSL and SASL rather than downloading a prebuilt binary.
CKJS_LINKING=dynamic pnpm install --frozen-lockfile
