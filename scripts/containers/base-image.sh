#!/usr/bin/env bash
# Makes the local stand-in for `node:24-slim` on a machine with no container registry: a minimal
# Debian bookworm from Debian's mirror (debootstrap), imported into podman, plus Node.js 24 from
# the Node tree scripts/setup.sh unpacked into the cache. Cached: the debootstrap tarball under
# $SLUICE_CACHE_DIR/containers and the image itself; a second run only checks they are there.
# Prints the image name.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/containers/podman.sh

NODE_VERSION=24.22.3
cache_dir=${SLUICE_CACHE_DIR:-$HOME/.cache/sluice}/containers
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
debian_image=localhost/sluice-debian:bookworm
# npm beside Node as in the official image (the images' `source` stage installs pnpm with it).
NPM_VERSION=11.6.2
node_image=localhost/sluice-node:$NODE_VERSION-npm$NPM_VERSION-bookworm
mkdir -p "$cache_dir"

if ! podman image exists "$node_image"; then
  if ! podman image exists "$debian_image"; then
    rootfs_tar=$cache_dir/debian-bookworm-minbase.tar
    if [ ! -s "$rootfs_tar" ]; then
      rootfs=$(mktemp -d "$cache_dir/rootfs.XXXXXX")
      echo "base: debootstrap bookworm (minbase) from $mirror" >&2
      debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$cache_dir/debootstrap.log" 2>&1 ||
        { tail -20 "$cache_dir/debootstrap.log" >&2; rm -rf "$rootfs"; exit 1; }
      # apt in the image uses the same mirror; no package lists or caches are kept.
      echo "deb $mirror bookworm main" >"$rootfs/etc/apt/sources.list"
      rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
      tar -C "$rootfs" -cf "$rootfs_tar.partial" . && mv "$rootfs_tar.partial" "$rootfs_tar"
      rm -rf "$rootfs"
    fi
    podman import "$rootfs_tar" "$debian_image" >/dev/null
  fi
  node_dir=${SLUICE_CACHE_DIR:-$HOME/.cache/sluice}/node-v$NODE_VERSION
  [ -x "$node_dir/bin/node" ] || { echo "base: $node_dir is missing; run scripts/setup.sh" >&2; exit 1; }
  # Node's tree (this npm-registry build carries bin/node, include and share, no npm) under
  # /usr/local as in the official image; not the pnpm that setup.sh added to it.
  ctx=$(mktemp -d)
  trap 'rm -rf "$ctx"' EXIT
  tar -C "$node_dir" --exclude=./lib/node_modules/pnpm --exclude=./bin/pnpm --exclude=./bin/pnpx \
    -cf "$ctx/node.tar" .
  npm_tgz=$cache_dir/npm-$NPM_VERSION.tgz
  if [ ! -s "$npm_tgz" ]; then
    (cd "$ctx" && npm pack --silent "npm@$NPM_VERSION" >/dev/null && mv "npm-$NPM_VERSION.tgz" "$npm_tgz")
  fi
  mkdir -p "$ctx/npm/lib/node_modules/npm" "$ctx/npm/bin"
  tar -xzf "$npm_tgz" -C "$ctx/npm/lib/node_modules/npm" --strip-components=1
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$ctx/npm/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$ctx/npm/bin/npx"
  tar -C "$ctx/npm" -cf "$ctx/npm.tar" .
  cat >"$ctx/Containerfile" <<CONTAINERFILE
FROM $debian_image
ADD node.tar /usr/local/
ADD npm.tar /usr/local/
RUN node --version && npm --version
CMD ["node"]
CONTAINERFILE
  podman build "${PODMAN_BUILD_OPTS[@]}" -q -t "$node_image" "$ctx" >/dev/null
fi
echo "$node_image"
