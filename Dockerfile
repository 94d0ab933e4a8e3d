# nemo-run in a container, running as the unprivileged `node` user with nothing else to set up:
#
#   docker build -t nemo-run .
#   docker run --rm -v "$PWD:/work" nemo-run recipes/promo.yaml        # renders into ./recipes/out/
#   docker run --rm nemo-run --help
#
# /work is the working folder: mount your recipes there. State (.nemo-run/) goes beside the recipes, or, when that
# folder is not writable by uid 1000, to /home/node/.cache/nemo-run/. Pass NEMO_TOKEN with -e for the cloud backend.

FROM node:20-bookworm-slim AS build
WORKDIR /app
# Dependencies first (a layer that survives source edits); the package's own scripts run below, once the sources are in.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY schemas ./schemas
COPY bin ./bin
RUN npm run build && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/schemas ./schemas
COPY --from=build /app/bin ./bin
# Installed as root, run as node: everything readable by all, and the bundled ffmpeg and ffprobe executable by all
# (their packages ship them 0744, which only root could run).
RUN chmod -R a+rX /app \
 && chmod a+rx /app/bin/nemo-run.js /app/node_modules/@ffmpeg-installer/*/ffmpeg /app/node_modules/@ffprobe-installer/*/ffprobe \
 && ln -s /app/bin/nemo-run.js /usr/local/bin/nemo-run \
 && mkdir -p /work && chown node:node /work
USER node
WORKDIR /work
ENTRYPOINT ["nemo-run"]
CMD ["--help"]
