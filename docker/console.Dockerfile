# The Sluice operator console image: Next.js's standalone server (apps/web/next.config.ts
# `output: 'standalone'`): server.js with only the node_modules its pages trace to, plus the
# Kafka client (native, patched; its admin API serves the consumer-group views).
#   docker run -e DATABASE_URL=... -e BETTER_AUTH_SECRET=... -e BETTER_AUTH_URL=https://console.example \
#     -p 3000:3000 IMAGE
# Build from the repository root:
#   docker build -f docker/console.Dockerfile -t sluice-console .
# BASE and APP_FROM as in worker.Dockerfile: APP_FROM=source (default) installs, compiles the
# Kafka client and runs `next build` in the `source` stage; APP_FROM=staged takes /app from
# .containers/console, which scripts/test-containers.sh lays out in its own copy of the work
# tree from the machine's install (the same patched Kafka client build, Node 24, bookworm).
# Podman 4.3 (buildah) resolves `FROM ${APP_FROM}` only from a --build-arg, not from this
# default, and then looks for an image called "source": spell out --build-arg APP_FROM=source.
ARG BASE=node:24-slim
ARG APP_FROM=source

FROM ${BASE} AS source
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
ENV npm_config_build_from_source=true NEXT_TELEMETRY_DISABLED=1
RUN pnpm install --frozen-lockfile --filter @sluice/web... \
 && pnpm --filter @sluice/web build \
 && node docker/stage-console.mjs /src /out

FROM ${BASE} AS staged
COPY .containers/console /out

FROM ${APP_FROM} AS app

FROM ${BASE}
# tini as PID 1 forwards SIGTERM to Node, so the server closes and exits 0 rather than being
# killed after the grace period. The Kafka client's librdkafka needs libssl 3 (`openssl` names
# it in either Debian release), libsasl2, libzstd and zlib.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      tini ca-certificates openssl libsasl2-2 libzstd1 zlib1g \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin \
 && echo 'sluice:x:10001:10001:sluice:/app:/usr/sbin/nologin' >>/etc/passwd \
 && echo 'sluice:x:10001:' >>/etc/group \
 && mkdir -p /var/lib/sluice && chown 10001:10001 /var/lib/sluice
COPY --from=app /out /app
COPY docker/healthcheck.mjs /app/healthcheck.mjs
WORKDIR /app/apps/web
ENV NODE_ENV=production NEXT_TELEMETRY_DISABLED=1 PORT=3000 HOSTNAME=0.0.0.0 SLUICE_HOME=/var/lib/sluice
USER 10001:10001
EXPOSE 3000
# /api/healthz answers without a session or a dependency; /api/readyz checks PostgreSQL.
# (podman keeps a HEALTHCHECK only in the docker image format: podman build --format docker.)
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 CMD ["node", "/app/healthcheck.mjs", "/api/healthz"]
ENTRYPOINT ["/usr/bin/tini", "--", "node", "server.js"]
