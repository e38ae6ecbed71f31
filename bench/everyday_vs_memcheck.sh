#!/usr/bin/env bash
# Everyday programs in realistic uses under `leakcheck run` (default options)
# and `valgrind --leak-check=full --errors-for-leak-kinds=definite
# --error-exitcode=99`, one run each, each in a fresh work directory prepared
# the same way: exit status, definitely/indirectly lost (blocks/bytes), fds
# left open (leakcheck fails on them; memcheck only with --track-fds=yes),
# wall time, and whether stdout matched the native run. Prints a Markdown
# table. Needs git, curl, python3, openssl, gpg, ssh-keygen, sqlite3, jq, xz,
# zstd, pigz, bzip2, busybox, gcc, cmake, perl, xmllint, file, gs.
# Usage: bench/everyday_vs_memcheck.sh BUILD_DIR
set -u
build=$(cd "$1" && pwd)
tool=$build/out/leakcheck
tmp=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
srv=
cleanup() {
    [ -n "$srv" ] && kill "$srv" 2>/dev/null
    for g in "$tmp"/w.*/g; do [ -d "$g" ] && gpgconf --homedir "$g" --kill gpg-agent 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT
# inputs
head -c 3000000 /dev/urandom >"$tmp/blob.bin"
python3 - "$tmp" <<'PY'
import json, random, sys
d = sys.argv[1]
random.seed(1)
with open(d + "/nums.txt", "w") as f:
    for i in range(100000):
        f.write("%d w%d\n" % (random.randint(0, 10**9), random.randint(0, 5000)))
json.dump([{"id": i, "tags": ["a", "b", "c"][: i % 4], "v": random.random()} for i in range(20000)],
          open(d + "/big.json", "w"))
with open(d + "/big.xml", "w") as f:
    f.write("<?xml version='1.0'?><root>" + "".join(
        "<item id='%d'><v>%f</v></item>" % (i, i * 0.5) for i in range(20000)) + "</root>")
with open(d + "/sql.sql", "w") as f:
    f.write("create table t(id integer primary key, name text, v real);\nbegin;\n")
    for i in range(5000):
        f.write("insert into t(name,v) values('n%d',%f);\n" % (i % 97, i * 0.5))
    f.write("commit;\nselect name, count(*) from t group by name order by 2 desc limit 3;\n")
PY
cat "$tmp/nums.txt" "$tmp/big.json" "$tmp/blob.bin" >"$tmp/data.bin"
printf 'int twice(int x) { return 2 * x; }\n' >"$tmp/b.c"
printf '#include <stdio.h>\nint twice(int);\nint main(void) { printf("%%d\\n", twice(21)); return 0; }\n' >"$tmp/a.c"
printf 'cmake_minimum_required(VERSION 3.16)\nproject(t C)\nadd_executable(t a.c b.c)\n' >"$tmp/CMakeLists.txt"
printf '%%!PS\n/Helvetica findfont 24 scalefont setfont 72 720 moveto (leakcheck) show showpage\n' >"$tmp/t.ps"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/srv.key" -out "$tmp/srv.crt" -subj /CN=localhost -days 2 2>/dev/null
(cd "$tmp" && exec python3 -m http.server "$port" --bind 127.0.0.1 >/dev/null 2>&1) &
srv=$!
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done

gitrepo='git init -q r && git -C r config user.email a@b && git -C r config user.name ab && cp "$T"/a.c "$T"/b.c r/'
# name | setup (in a fresh directory; $T: the inputs) | command
cases=$(cat <<'LIST'
git-add|eval "$gitrepo"|git -C r add .
git-commit|eval "$gitrepo"; git -C r add .|git -C r commit -qm first
git-log-p|eval "$gitrepo"; git -C r add .; git -C r commit -qm a; echo x >>r/a.c; git -C r commit -qam b|git -C r log -p
git-clone|eval "$gitrepo"; git -C r add .; git -C r commit -qm a|git clone -q r c
curl-file||curl -s -o out file://$T/blob.bin
curl-http||curl -s -o out http://127.0.0.1:$PORT/blob.bin
curl-404||curl -sf http://127.0.0.1:$PORT/nope
openssl-req||openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout k.pem -out r.csr -subj /CN=t
openssl-enc||openssl enc -aes-256-cbc -pbkdf2 -pass pass:pw -in $T/blob.bin -out e.bin
openssl-dgst||openssl dgst -sha256 $T/blob.bin
gpg-symmetric|mkdir -m700 g|gpg --homedir g --batch --pinentry-mode loopback --passphrase pw -c -o m.gpg $T/blob.bin
ssh-keygen||ssh-keygen -q -t ed25519 -N '' -f k
sqlite3|cp $T/sql.sql .|sqlite3 db.sqlite .read\ sql.sql
jq||jq -c '[.[] | select(.v > 0.5) | .id] | length' $T/big.json
xz-T2||xz -T2 -k -c $T/data.bin
zstd-T2||zstd -T2 -q -c $T/data.bin
pigz-p2||pigz -p 2 -c $T/data.bin
bzip2||bzip2 -c $T/data.bin
sort-parallel||sort --parallel=2 -S 4M -n $T/nums.txt
busybox-sort||busybox sort -n $T/nums.txt
gcc-c|cp $T/a.c .|gcc -O2 -c a.c
cmake-configure|cp $T/a.c $T/b.c $T/CMakeLists.txt .|cmake -S . -B b
perl||perl -e 'my %h; $h{$_ % 97}++ for 1..100000; print scalar(keys %h), "\n"'
python3-threads||/usr/bin/python3 -c 'import threading; t=[threading.Thread(target=sum, args=(range(10**5),)) for _ in range(4)]; [x.start() for x in t]; [x.join() for x in t]'
awk||awk '{c[$2]++} END {n=0; for (k in c) n++; print n}' $T/nums.txt
grep-P||grep -cP '^\d{3}\d* w4\d{2}$' $T/nums.txt
xmllint||xmllint --xpath 'count(//item[v > 100])' $T/big.xml
file||file $T/blob.bin $T/big.json /usr/bin/git
gs||gs -q -dBATCH -dNOPAUSE -dSAFER -sDEVICE=png16m -r72 -sOutputFile=o.png $T/t.ps
LIST
)
secs() { date +%s.%N; }
lost() { # report file, lc|vg -> "def/ind" as blocks/bytes (memcheck's "no leaks are
    # possible" has no counts: 0/0 0/0)
    if [ "$2" = vg ] && grep -q 'no leaks are possible' "$1"; then
        echo "0/0 0/0"
    elif [ "$2" = lc ]; then
        grep -E '^leakcheck: +(definitely|indirectly) lost:' "$1" |
            sed -E 's/.*: ([0-9]+) blocks?, ([0-9]+) bytes.*/\1\/\2/' | paste -sd' '
    else
        grep -E '(definitely|indirectly) lost:' "$1" |
            sed -E 's/.*: ([0-9,]+) bytes in ([0-9,]+) blocks.*/\2\/\1/' | tr -d , | paste -sd' '
    fi
}
printf '| program | native | leakcheck run | memcheck | leakcheck: def, ind lost; fds; exit | memcheck: def, ind lost; exit |\n'
printf '|---|---:|---:|---:|---|---|\n'
while IFS='|' read -r name setup cmd; do
    [ -z "$name" ] && continue
    for mode in nat lc vg; do
        w=$tmp/w.$name.$mode
        mkdir -p "$w"
        (cd "$w" && T=$tmp PORT=$port gitrepo=$gitrepo eval "$setup") >/dev/null 2>&1
        case $mode in
            nat) pre=() ;;
            lc) pre=("$tool" run --) ;;
            vg) pre=(valgrind --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99) ;;
        esac
        t0=$(secs)
        (cd "$w" && T=$tmp PORT=$port eval "${pre[*]@Q} $cmd") >"$tmp/$mode.out" 2>"$tmp/$mode.err" </dev/null
        rc=$?
        t1=$(secs)
        eval "rc_$mode=$rc t_$mode=$(echo "$t1 - $t0" | bc -l)"
    done
    fds=$(grep -Eo '[0-9]+ fds? left open' "$tmp/lc.err" | head -1)
    same=$(cmp -s "$tmp/nat.out" "$tmp/lc.out" && echo "" || echo " (stdout differs)")
    printf '| `%s` | %.2f s | %.2f s | %.2f s | %s; %s; %d%s | %s; %d |\n' "$name" "$t_nat" "$t_lc" "$t_vg" \
        "$(lost "$tmp/lc.err" lc)" "${fds:-0 fds}" "$rc_lc" "$same" "$(lost "$tmp/vg.err" vg)" "$rc_vg"
done <<<"$cases"
