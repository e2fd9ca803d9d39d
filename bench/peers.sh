#!/usr/bin/env bash
# The shared peer benchmark (nginx, a minimal aiohttp proxy, FastMCP, the official SDK, a
# minimal aiohttp MCP proxy) beside `naftiko run`, with this checkout's naftiko on PATH.
# Needs the workspace's ../shared/tools beside the checkout. Arguments pass through, e.g.
#   bench/peers.sh --only mcp --duration 4
#   bench/peers.sh --only rest --repeat 3 --duration 3 --budget 400
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PEERS="$HERE/../../shared/tools/bench/run-peers.sh"
if [ ! -x "$PEERS" ] && [ ! -f "$PEERS" ]; then
  echo "bench/peers.sh: $PEERS not found (it lives in the workspace, beside the checkout)" >&2
  exit 2
fi
NAFTIKO=$(command -v naftiko || true)
if [ -z "$NAFTIKO" ]; then
  echo "bench/peers.sh: install naftiko first (pip install .)" >&2
  exit 2
fi
PATH="$(dirname "$NAFTIKO"):$PATH" exec bash "$PEERS" "$@"
