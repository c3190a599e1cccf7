# connect-dialer's image: the campaign worker (default command) and the Amazon Connect
# emulator, run from TypeScript source by tsx. docker-compose.yml builds it for both.
FROM node:20.20.2-bookworm-slim

WORKDIR /app

# Dependencies first, so a code change does not reinstall them. tsx is a runtime dependency.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

COPY tsconfig.json ./
COPY src ./src
COPY examples ./examples

# Staged dial lists and outcome files; a named volume mounted here takes this ownership.
ENV CONNECT_DIALER_DATA_DIR=/data
# The worker's memory settings (src/worker-launch.ts): two malloc arenas, and a V8 heap limit in CMD.
ENV MALLOC_ARENA_MAX=2
RUN mkdir -p /data && chown node:node /data

USER node

# The worker; the emulator is `node --import tsx src/cli.ts emulator --host 0.0.0.0 --port 8710`,
# the command line `node --import tsx src/cli.ts <command>`.
CMD ["node", "--max-old-space-size=256", "--import", "tsx", "src/worker.ts"]
