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
# Go builds the synthetic GeoIP test database (MaxMind's writer); the machine may bring its own.
command -v go >/dev/null || APT_PACKAGES+=(golang-go)

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

pnpm_version=$(node -p 'require("./package.json").packageManager.split("@")[1]')
if [ "$(pnpm --version 2>/dev/null || true)" != "$pnpm_version" ]; then
  echo "setup: installing pnpm $pnpm_version"
  npm install -g --silent "pnpm@$pnpm_version"
fi

# Build librdkafka against the system's OpenSSL and SASL rather than downloading a prebuilt binary.
CKJS_LINKING=dynamic pnpm install --frozen-lockfile
