#!/usr/bin/env bash
# Long fuzzing run: the FsCheck properties of tests/BtfConvert.Core.Tests/Robustness/{FuzzTests,VerifyFuzzTests}.cs with more
# cases than CI's 400. Usage: bench/fuzz.sh [CASES] [ROUNDS]  (default 20000 cases × 1 round; every round draws new
# random cases). A failure prints the falsifying case (flavour + mutations), which FuzzCase.Build rebuilds.
# Runs a copy of the test binaries, so rebuilding the tree during a long run does not disturb it.
# Outcome counts of every round are appended to bench/results/fuzz.log.
set -euo pipefail
cd "$(dirname "$0")/.."
cases=${1:-${FUZZ_CASES:-20000}}
rounds=${2:-1}
mkdir -p bench/results
dotnet build tests/BtfConvert.Core.Tests -c Release -v q -nologo >/dev/null
bin=$(mktemp -d /tmp/btfconvert-fuzz.XXXXXX)
trap 'rm -rf "$bin"' EXIT
cp -r tests/BtfConvert.Core.Tests/bin/Release/net10.0/. "$bin/"
for ((i = 1; i <= rounds; i++)); do
  FUZZ_CASES=$cases FUZZ_REPORT="$PWD/bench/results/fuzz.log" \
    dotnet test "$bin/BtfConvert.Core.Tests.dll" \
      --filter "FullyQualifiedName~FuzzTests.Mutated|FullyQualifiedName~VerifyFuzzTests.Any" --logger "console;verbosity=detailed" \
    | grep -E "cases:|Falsifiable|flavour|Failed|FuzzFailure|Exception|^ *Passed |Total tests|Passed:" || true
done
tail -n "$rounds" bench/results/fuzz.log
