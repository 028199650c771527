#!/usr/bin/env bash
# Screenshots of the citizen pages and the officers' workbench at 360 px (phone) and 1280 px (desktop)
# into docs/screenshots/*.png. Run by hand, not by CI: it starts the demo server as the README does
# (embedded database, Development, port 5080), mints tokens with the token command, submits a few
# petitions and drives Debian's chromium with playwright-core. Needs CJK fonts (installs fonts-noto-cjk).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
if ! fc-list :lang=zh 2>/dev/null | grep -q .; then
  echo "installing CJK fonts (fonts-noto-cjk)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk >/dev/null
fi
(cd tests/GraphApi.Tests/node && [[ -d node_modules/playwright-core ]] || npm ci --no-audit --no-fund --loglevel=error)
dotnet build src/GraphApi -v q -nologo >/dev/null
if curl -sf http://localhost:5080/health/live >/dev/null 2>&1; then
  echo "something already serves http://localhost:5080: stop it first (this script starts its own demo server there)" >&2
  exit 1
fi
data=$(mktemp -d)
export XDG_DATA_HOME=$data
dotnet run --no-build --project src/GraphApi > "$data/server.log" 2>&1 &
server=$!
trap 'kill -INT $server 2>/dev/null; wait $server 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 120); do curl -sf http://localhost:5080/health/ready >/dev/null && break; sleep 1; done
token() { dotnet run --no-build --project src/GraphApi -- token "$@" | tail -1; }  # the last line: dotnet run may print one of its own first
node tests/GraphApi.Tests/node/screenshots.mjs http://localhost:5080/ "$(token --role OFFICER --dept 340101-PO)" \
  "$(token --role SUPERVISOR --dept 340100-PO)" "$(token --role AUDITOR --sub auditor-1)" docs/screenshots \
  "$(token --role PETITIONER --sub citizen-screenshots)"
ls -1 docs/screenshots/*.png
