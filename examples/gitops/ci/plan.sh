#!/usr/bin/env bash
# The pull-request job: validate, then plan against the real host and leave the plan for review.
# Writes plan.md (a pull-request comment) and plan.bin (what a merge applies, exactly).
# Exit 0: no changes; 2: changes to review; anything else: an error to fix.
set -euo pipefail
cd "$(dirname "$0")/.."

npx frost validate -c frost/
set +e
npx frost plan -c frost/ --detailed-exitcode --markdown --out plan.bin > plan.md
status=$?
set -e
cat plan.md
case $status in
  0) echo "No changes." ;;
  2) echo "Changes planned: review plan.md; after the merge the host applies plan.bin." ;;
  *) echo "frost plan failed (exit $status)" >&2; exit "$status" ;;
esac
