# syntax=docker/dockerfile:1
# The evs-image-export worker: `docker compose up -d --build` builds it (see docker-compose.yml), or
# `docker build -t evs-image-export .`. Runs `node lib/worker.js` as the non-root `node` user; configured only
# through the environment (TEMPORAL_*, OS_*) and an optional /etc/openstack/clouds.yaml.
#
# Every `npm ci` here uses --ignore-scripts. That skips our postinstall (scripts/install-temporal.js fetches the
# Temporal CLI for the dev server and tests; the worker does not use it) and the dependencies' install scripts,
# which only check or patch what is already there: @temporalio/core-bridge ships its prebuilt native module in the
# npm package (releases/<target>/index.node), @swc/core and esbuild take theirs from per-platform optional packages
# that npm installs from package-lock.json (linux x64 and arm64, glibc), protobufjs prints a version notice.

ARG NODE_IMAGE=node:20-bookworm-slim

# Production dependencies only.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --ignore-scripts --no-audit --no-fund
# Fail here, not at worker start, if the native core for this platform is missing.
RUN node -e "require('@temporalio/core-bridge')"

# TypeScript -> lib/ (tsconfig.build.json: src/ only), and the workflow bundles lib/workflows.bundle.js and
# lib/workflows-traced.bundle.js (with OTEL_TRACES_EXPORTER set), which the worker loads instead of bundling at start.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
# A bounded V8 heap: Node otherwise lets it grow towards a quarter of the host's memory before collecting hard.
# bench:scale, 1000 exports at once on one worker: RSS 726 MB with this, 1040 MB without.
ENV NODE_OPTIONS=--max-old-space-size=512
WORKDIR /app
# Owned by root, read-only for the `node` user that runs the worker.
COPY package.json package-lock.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/lib ./lib
# The CLI too, for `docker compose exec worker node bin/evs-export.js ...`.
COPY bin ./bin
USER node
# Prometheus /metrics when EVS_EXPORT_METRICS_PORT=9464 is set (docker-compose.yml sets it).
EXPOSE 9464
# The worker shuts down gracefully on SIGTERM (Runtime shutdown signals); give it time (compose: stop_grace_period).
STOPSIGNAL SIGTERM
CMD ["node", "lib/worker.js"]
