# connect-dialer's image: the campaign worker (default command) and the Amazon Connect
# emulator, run by plain Node from the compiled lib/ (no tsx, no devDependencies at run time).
# docker-compose.yml builds it for both.

# Build stage: the devDependencies (TypeScript) compile src/ into lib/.
FROM node:20.20.2-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build.mjs ./scripts/
COPY src ./src
RUN npm run build

# Run stage: production dependencies and the compiled code only.
FROM node:20.20.2-bookworm-slim

WORKDIR /app

# Dependencies first, so a code change does not reinstall them.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

COPY --from=build /app/lib ./lib
COPY bin ./bin
COPY examples ./examples

# Staged dial lists and outcome files; a named volume mounted here takes this ownership.
ENV CONNECT_DIALER_DATA_DIR=/data
# The worker's memory settings (src/worker-launch.ts): two malloc arenas, and a V8 heap limit in CMD.
ENV MALLOC_ARENA_MAX=2
RUN mkdir -p /data && chown node:node /data

USER node

# The worker; the emulator is `node lib/cli.js emulator --host 0.0.0.0 --port 8710`,
# the command line `node lib/cli.js <command>`.
CMD ["node", "--max-old-space-size=256", "lib/worker.js"]
