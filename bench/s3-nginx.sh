# Sourced by bench/s3-latency.sh when S3_BACKEND=nginx (after bench/s3-server.sh): a read-only S3 stand-in that is
# not the bottleneck. s3rver (Node) serves ~30-40 MB/s in all on this 2-core VM, below the issue's targets; nginx
# with sendfile serves GB/s from the page cache. It serves $NGINX_ROOT/$BUCKET/KEY as /$BUCKET/KEY (path-style):
#   HEAD and GET, single ranges (206 + Content-Range), a quoted ETag ("mtime-size" in hex, as opaque as S3's),
#   If-Match (412 on a mismatch), Last-Modified, Content-Type application/octet-stream, 404 NoSuchKey /
#   NoSuchBucket error XML, and ListObjectsV2: the keys under two/ or four/ (the benchmark's batches of copies,
#   listed once at start with nginx's own ETags) for a prefix starting so, else an empty answer (the CLI asks it
#   after a 404 HEAD).
# It is NOT S3: no signature check (the SDK signs, nobody verifies), no PUT/multipart, no general listing, no
# 503 SlowDown. So only S3->local runs use it; uploads stay on s3rver.
# Shaping inside nginx (NGINX_SHAPES="LATENCY_MS/MB_PER_S ..."): one more server per setting, on its own port
# (NGINX_SHAPE_PORT[setting]), that holds every request LATENCY_MS before answering and sends each response body at
# MB_PER_S (bench/s3-nginx-shape.lua, with Debian's lua module; nginx's own limit_rate bursts through a response's
# first second). Unlike the .NET shaping proxy it costs little CPU: with 16 connections on the 2 shared cores the
# proxy delivered about half its nominal rate, so it measured itself more than btfconvert.
# Installs Debian's nginx and its lua module if missing (bench only; not CI, not scripts/setup.sh). Starts it in the
# foreground (no daemon) with a throw-away prefix (config, pid file, temp dirs, error log) and stops it on exit.
# Needs: NGINX_ROOT (absolute path of the folder holding $BUCKET/), BUCKET, EXTRA_CLEANUP (appended to).
# Sets NGINX_PORT (unshaped), NGINX_SHAPE_PORT, NGINX_PID.
LUA_MODULE=/usr/lib/nginx/modules/ngx_http_lua_module.so
if { ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; } || [ ! -f "$LUA_MODULE" ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nginx libnginx-mod-http-lua >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
NGINX_PREFIX=$(mktemp -d "${TMPDIR:-/tmp}/btfconvert-bench-nginx.XXXXXX")
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
NGINX_PORT=$(free_port)
declare -A NGINX_SHAPE_PORT=()
SHAPE_LUA=$(realpath "$(dirname "${BASH_SOURCE[0]}")/s3-nginx-shape.lua")
s3_server() { # port, [latency_ms rate_MB_per_s]: one S3 stand-in server block
  local objects="limit_except GET { deny all; } error_page 404 = @nosuchkey;"
  if [ -n "${2:-}" ]; then
    # Shaped: the lua handler waits and paces, the static location behind it answers.
    objects="set \$shape_latency $(awk -v l="$2" 'BEGIN { printf "%.3f", l / 1000 }'); set \$shape_rate $(awk -v r="$3" 'BEGIN { printf "%d", r * 1e6 }'); content_by_lua_file $SHAPE_LUA;"
  fi
  cat <<SERVER
  server {
    listen 127.0.0.1:$1;
    root $NGINX_ROOT;
    location ~ ^/$BUCKET/?\$ {
      default_type application/xml;
      # A named capture: rewrite's own regex would reset \$1.
      if (\$arg_prefix ~ ^(?<listing>two|four)) { rewrite ^ /__list-\$listing.xml last; }
      return 200 '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>$BUCKET</Name><KeyCount>0</KeyCount><MaxKeys>1</MaxKeys><IsTruncated>false</IsTruncated></ListBucketResult>';
    }
    location ~ ^/__list-(two|four)\.xml\$ { internal; default_type application/xml; root $NGINX_ROOT; }
    location /$BUCKET/ { $objects }
    location /__raw/ { internal; alias $NGINX_ROOT/; error_page 404 = @nosuchkey; }
    location @nosuchkey { default_type application/xml; $(s3_error 404 NoSuchKey "The specified key does not exist.") }
    location / { default_type application/xml; $(s3_error 404 NoSuchBucket "The specified bucket does not exist.") }
  }
SERVER
}
nginx_user=""; [ "$(id -u)" -eq 0 ] && nginx_user="user root;" # workers must read the bench folder
s3_error() { # status code message: an S3-style error body
  printf "return %s '<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>%s</Code><Message>%s</Message></Error>';" "$1" "$2" "$3"
}
for shape in ${NGINX_SHAPES:-}; do NGINX_SHAPE_PORT[$shape]=$(free_port); done
for dir in two four; do # ListObjectsV2 of DIR/: ETag as nginx makes it ("mtime-size" in hex), so HEAD and listing agree
  {
    printf '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>%s</Name><Prefix>%s/</Prefix><IsTruncated>false</IsTruncated>' "$BUCKET" "$dir"
    for f in "$NGINX_ROOT/$BUCKET/$dir"/*; do
      [ -f "$f" ] || continue
      printf '<Contents><Key>%s/%s</Key><LastModified>%s</LastModified><ETag>&quot;%x-%x&quot;</ETag><Size>%s</Size><StorageClass>STANDARD</StorageClass></Contents>' \
        "$dir" "$(basename "$f")" "$(date -u -r "$f" +%Y-%m-%dT%H:%M:%S.000Z)" "$(stat -c %Y "$f")" "$(stat -c %s "$f")" "$(stat -c %s "$f")"
    done
    printf '</ListBucketResult>'
  } > "$NGINX_ROOT/__list-$dir.xml"
done
cat > "$NGINX_PREFIX/nginx.conf" <<EOF
$nginx_user
load_module /usr/lib/nginx/modules/ndk_http_module.so;
load_module $LUA_MODULE;
# Two workers for two cores; the shaping proxy and btfconvert share them.
worker_processes 2;
pid $NGINX_PREFIX/nginx.pid;
error_log $NGINX_PREFIX/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_timeout 75s;
  keepalive_requests 100000;
  client_body_temp_path $NGINX_PREFIX/body;
  proxy_temp_path $NGINX_PREFIX/proxy;
  fastcgi_temp_path $NGINX_PREFIX/fastcgi;
  uwsgi_temp_path $NGINX_PREFIX/uwsgi;
  scgi_temp_path $NGINX_PREFIX/scgi;
  types { }
  default_type application/octet-stream;
  server_tokens off;
$(s3_server "$NGINX_PORT"
  for shape in ${NGINX_SHAPES:-}; do
    s3_server "${NGINX_SHAPE_PORT[$shape]}" "${shape%/*}" "${shape#*/}"
  done)
}
EOF
"$NGINX" -p "$NGINX_PREFIX" -c "$NGINX_PREFIX/nginx.conf" -e "$NGINX_PREFIX/error.log" -g 'daemon off;' &
NGINX_PID=$!
# shellcheck disable=SC2016
EXTRA_CLEANUP+='; kill "$NGINX_PID" 2>/dev/null || true; wait "$NGINX_PID" 2>/dev/null || true; rm -rf "$NGINX_PREFIX"'
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$NGINX_PORT") 2>/dev/null && break; sleep 0.1; done
