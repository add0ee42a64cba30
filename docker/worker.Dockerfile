# The Sluice worker image: one image for every role, chosen by the command:
#   docker run IMAGE worker enrichment | worker aggregation | worker storage | worker dlq-indexer
#   docker run IMAGE worker lag-monitor | migrate | topics create | produce ... (any `sluice` command)
# It runs the CLI compiled into one JavaScript bundle (apps/worker/build.mjs), not tsx, with the
# Kafka client as the only package in node_modules: a native addon, built from source with the
# project's pnpm patch (patches/, pnpm-workspace.yaml patchedDependencies: three crash fixes to
# librdkafka and the binding), never a prebuilt download that would lack them.
#
# Build from the repository root:
#   docker build -f docker/worker.Dockerfile -t sluice-worker .
# BASE is any image with Node.js 24 on Debian (glibc); the official slim image by default.
# APP_FROM=source (default) installs and compiles everything in the `source` stage below (a
# compiler and about two minutes for librdkafka). APP_FROM=staged takes /app ready-made from
# .containers/worker in the build context instead: scripts/test-containers.sh lays it out with
# docker/stage-worker.mjs from the machine's own `pnpm install`, whose Kafka client is the same
# patched build for the same Node 24 and Debian bookworm (glibc 2.36) as this image's, so the
# test does not compile it a second time.
# Not yet run to its end on this project's machines: in a container, npm's TLS to the registry
# fails there ("self-signed certificate in chain" from the machine's egress proxy), so the test
# builds APP_FROM=staged only; the source stage's apt step did run.
# Podman 4.3 (buildah) resolves `FROM ${APP_FROM}` only from a --build-arg, not from this
# default, and then looks for an image called "source": spell out --build-arg APP_FROM=source.
ARG BASE=node:24-slim
ARG APP_FROM=source

FROM ${BASE} AS source
# librdkafka's build: a C/C++ compiler, python3 for node-gyp, and the libraries it links
# statically or dynamically (TLS, SASL, zstd, zlib), as scripts/setup.sh installs on a host.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential python3 pkg-config ca-certificates libssl-dev libsasl2-dev libzstd-dev zlib1g-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml .npmrc ./
COPY patches patches
RUN npm install -g "pnpm@$(node -p 'require("./package.json").packageManager.split("@")[1]')"
COPY . .
# node-pre-gyp would fetch the unpatched prebuilt binding where GitHub is reachable: build it here.
ENV npm_config_build_from_source=true
RUN pnpm install --frozen-lockfile --filter @sluice/worker... \
 && node apps/worker/build.mjs \
 && node docker/stage-worker.mjs /src /out

FROM ${BASE} AS staged
COPY .containers/worker /out

FROM ${APP_FROM} AS app

FROM ${BASE}
# tini is PID 1: it forwards SIGTERM to Node (which then commits or aborts the batch in hand
# and leaves its group within WORKER_STOP_TIMEOUT_MS) and reaps zombies. librdkafka links
# libssl/libcrypto 3, libsasl2, libzstd and zlib dynamically; `openssl` brings libssl 3 under its
# name in either Debian release (libssl3 in bookworm, libssl3t64 in trixie).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      tini ca-certificates openssl libsasl2-2 libzstd1 zlib1g \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin \
 && echo 'sluice:x:10001:10001:sluice:/app:/usr/sbin/nologin' >>/etc/passwd \
 && echo 'sluice:x:10001:' >>/etc/group \
 && mkdir -p /var/lib/sluice && chown 10001:10001 /var/lib/sluice
COPY --from=app /out /app
COPY docker/healthcheck.mjs /app/healthcheck.mjs
WORKDIR /app
# SLUICE_HOME: the one writable place (a file:// archive when ARCHIVE_URL is unset; mount a
# volume there to keep it). /app itself belongs to root and stays read-only to the process.
ENV NODE_ENV=production SLUICE_HOME=/var/lib/sluice
USER 10001:10001
# /healthz of the role's port: --metrics-port on the command line, else the role's default.
# (podman keeps a HEALTHCHECK only in the docker image format: podman build --format docker.)
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 CMD ["node", "/app/healthcheck.mjs"]
# --max-semi-space-size: apps/worker/src/worker-node-args.ts says why.
ENTRYPOINT ["/usr/bin/tini", "--", "node", "--enable-source-maps", "--max-semi-space-size=16", "/app/dist/sluice.mjs"]
CMD ["--help"]
