# The label-lens CLI as an image for the fold jobs of deploy/k8s (and for plan and merge).
#   docker build -t label-lens:0.1.0 .
#   docker run --rm -v "$PWD:/data" label-lens:0.1.0 analyze /data/data.csv
# Build stage: install the dependencies from the lock file and bundle dist/ (esbuild inlines every
# dependency the CLI needs, so the runtime image carries no node_modules).
FROM node:20-slim AS build
WORKDIR /src
COPY package.json package-lock.json .npmrc ./
# No install scripts: @tensorflow/tfjs-node's would download libtensorflow; without it the dense
# models run on the bundled WebAssembly backend (the same as on a machine without tfjs-node).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY esbuild.mjs tsconfig.json ./
COPY src ./src
COPY webview ./webview
COPY bin ./bin
RUN node esbuild.mjs --production

FROM node:20-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/bin ./bin
COPY --from=build /src/dist ./dist
# The node user (uid 1000) of the base image: the manifests run as it, never as root.
USER node
ENTRYPOINT ["node", "/app/bin/label-lens.js"]
CMD ["--help"]
