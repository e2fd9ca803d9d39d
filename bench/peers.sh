#!/usr/bin/env bash
# A peer benchmark (nginx, a minimal aiohttp proxy, FastMCP, the official SDK, a minimal
# aiohttp MCP proxy) beside `naftiko run`, with this checkout's naftiko on PATH. The peer
# benchmark is not part of this repository: NAFTIKO_PEERS names its run-peers.sh (default:
# ../shared/tools/bench/run-peers.sh beside the checkout). Arguments pass through, e.g.
#   bench/peers.sh --only mcp --duration 4
#   bench/peers.sh --only rest --repeat 3 --duration 3 --budget 400
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PEERS="${NAFTIKO_PEERS:-$HERE/../../shared/tools/bench/run-peers.sh}"
if [ ! -x "$PEERS" ] && [ ! -f "$PEERS" ]; then
  echo "bench/peers.sh: $PEERS not found (set NAFTIKO_PEERS to the peer benchmark's run-peers.sh)" >&2
  exit 2
fi
NAFTIKO=$(command -v naftiko || true)
if [ -z "$NAFTIKO" ]; then
  echo "bench/peers.sh: install naftiko first (pip install .)" >&2
  exit 2
fi
PATH="$(dirname "$NAFTIKO"):$PATH" exec bash "$PEERS" "$@"
