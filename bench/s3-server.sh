# Sourced by the S3 benchmarks: starts the local s3rver the tests use (tests/s3rver) on a free port with an empty
# data directory and bucket $BUCKET, waits until it listens, and stops it and deletes the directory on exit (plus
# whatever the caller puts in $EXTRA_CLEANUP). Sets PORT, ENDPOINT, SERVER and the AWS variables the CLI needs.
BUCKET=${BUCKET:-bench}
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
DATA=$(mktemp -d "${TMPDIR:-/tmp}/btfconvert-bench-s3rver.XXXXXX")
(cd tests/s3rver && NODE_OPTIONS=--openssl-legacy-provider exec node node_modules/s3rver/bin/s3rver.js \
  -d "$DATA" -a 127.0.0.1 -p "$PORT" --silent --configure-bucket "$BUCKET") &
SERVER=$!
EXTRA_CLEANUP=${EXTRA_CLEANUP:-}
stop_s3rver() {
  eval "$EXTRA_CLEANUP" || true
  kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; rm -rf "$DATA"
}
trap stop_s3rver EXIT
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done
ENDPOINT="http://127.0.0.1:$PORT"
export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_EC2_METADATA_DISABLED=true
