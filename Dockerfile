# One orchestrator node (compose.yaml runs three of them; docs/multi-node.md explains the setup).
FROM node:20-slim

WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false
# The sources first: `npm ci` builds dist/ through `prepare`, as in the README's quick start (root owns /app; the server only reads it).
COPY . .
RUN npm ci

# Each node's workspaces (and its Claude Code agents' homes) on its own volume. The directory must belong to the
# server's user and be writable by no one else (see README, Workspaces); a new named volume copies this ownership.
RUN mkdir -p /data/workspaces && chown node:node /data/workspaces && chmod 700 /data/workspaces
ENV WORKSPACE_DIR=/data/workspaces ORCHESTRATOR_HOST=0.0.0.0 ORCHESTRATOR_PORT=8001

USER node
EXPOSE 8001
# The README's start command. Binding 0.0.0.0 needs ORCHESTRATOR_TOKEN: the server refuses to start without it.
CMD ["npm", "start"]
