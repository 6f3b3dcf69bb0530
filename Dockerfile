# One image for every role; APP_ROLE / WORKER_QUEUES choose what a container runs.
# Node 24 is the current LTS; the code also runs on Node 20 (engines >=20), as CI and development do.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY apps/backend/package.json apps/backend/
COPY packages/client/package.json packages/client/
RUN npm ci --no-audit --no-fund
COPY apps/backend apps/backend
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/package.json ./
COPY --from=build /app/apps/backend/package.json apps/backend/
COPY --from=build /app/apps/backend/dist apps/backend/dist
COPY --from=build /app/apps/backend/migrations apps/backend/migrations
# The report store's directory (REPORTS_DIR); a named volume mounted here inherits this owner.
RUN mkdir -p /data/reports && chown node:node /data/reports
USER node
EXPOSE 3000
CMD ["node", "apps/backend/dist/main.js"]
