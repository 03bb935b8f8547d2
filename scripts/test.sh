#!/usr/bin/env bash
# Runs every test project and ends with one line "tests: N passed, N failed[, N skipped]" computed from the TRX
# results. Exits nonzero if any test failed or none ran, or if the sources break .editorconfig (checked first, with
# `dotnet format whitespace`; the tests still run so that the last line is always the count).
set -uo pipefail
cd "$(dirname "$0")/.."
results=TestResults
rm -rf "$results"
format_status=0
dotnet format whitespace BtfConvert.sln --verify-no-changes || format_status=1
dotnet test BtfConvert.sln -c Release --logger trx --results-directory "$results" -v q -nologo "$@"
status=$?

passed=0; failed=0; total=0; executed=0
shopt -s nullglob
for trx in "$results"/*.trx; do
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  get() { sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$counters"; }
  total=$((total + $(get total))); executed=$((executed + $(get executed)))
  passed=$((passed + $(get passed))); failed=$((failed + $(get failed) + $(get error) + $(get timeout) + $(get aborted)))
done
skipped=$((total - executed))
line="tests: $passed passed, $failed failed"
((skipped > 0)) && line+=", $skipped skipped"
if ((format_status != 0)); then
  echo "formatting: the sources do not follow .editorconfig; run: dotnet format whitespace BtfConvert.sln"
fi
echo "$line"
if ((failed > 0 || passed == 0 || status != 0 || format_status != 0)); then
  exit 1
fi
