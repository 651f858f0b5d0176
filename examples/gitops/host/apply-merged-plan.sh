#!/usr/bin/env bash
# After a merge, on the host: apply exactly the reviewed plan. frost refuses (and changes nothing)
# when the host changed since the plan was made; then plan again and review again.
set -euo pipefail
cd "$(dirname "$0")/.."
npx frost apply plan.bin
