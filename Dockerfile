# syntax=docker/dockerfile:1
# One image for every role; RUN_MODE picks it at run time
# (api | worker | ingest | all | migrate), see docker-compose.yml.

# ---- build: full dependencies, Prisma client, TypeScript -> dist/
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: nothing here needs an install script to compile, and the
# postinstall `prisma generate` needs the schema, which is copied below.
# The npm cache lives in a BuildKit cache mount: reused between builds, never in a layer.
RUN --mount=type=cache,target=/root/.npm npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run postinstall && npm run build

# ---- prod-deps: runtime dependencies only
FROM node:20-bookworm-slim AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# ---- runtime
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    PORT=3000
WORKDIR /app
COPY --from=prod-deps --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/package.json ./package.json
COPY --from=build --chown=node:node /app/dist ./dist
# migrations, applied by RUN_MODE=migrate
COPY --from=build --chown=node:node /app/prisma ./prisma
USER node
EXPOSE 3000
CMD ["node", "dist/main.js"]
