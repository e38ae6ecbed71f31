# Sourced by ci/test and ci/demo: installs the Debian packages leakcheck needs
# when they are missing. As root it runs apt-get; otherwise it prints the exact
# command and exits 2.
#
# An entry PACKAGE:COMMAND counts as present when the package is installed or
# the command is on PATH: Node.js may come from another source than Debian
# (NodeSource's nodejs bundles npm and conflicts with Debian's npm package), and
# installing Debian's over it would fail.
LC_PACKAGES="cmake make gcc g++ pkg-config binutils libcmocka-dev libunwind-dev
libjansson-dev libdw-dev libc6-dbg python3 python3-jsonschema libxml2-utils nodejs:node npm:npm
clang libclang-rt-14-dev valgrind libjemalloc2
libprotobuf-c-dev protobuf-c-compiler zlib1g-dev golang-go libssl-dev"

# tests/html loads the HTML report in a real browser; a Chromium from
# elsewhere on PATH does too.
LC_PACKAGES="$LC_PACKAGES chromium:chromium"

# tests/run's run_real_library plants a leak on libsqlite3 (sqlite_leak.c).
LC_PACKAGES="$LC_PACKAGES libsqlite3-dev"

# tests/realcode's realcode_rcu retires objects through liburcu's call_rcu.
LC_PACKAGES="$LC_PACKAGES liburcu-dev"

# tests/glib's glib_slice runs GLib's slice allocator (slice_list.c).
LC_PACKAGES="$LC_PACKAGES libglib2.0-dev"

# tests/kresd's kresd_shapes opens libuv's default loop (lib/test_rplan.c's shape).
LC_PACKAGES="$LC_PACKAGES libuv1-dev"

lc_install_deps() {
    local missing=() entry p cmd
    for entry in $LC_PACKAGES; do
        p=${entry%%:*}
        cmd=${entry#*:}
        [ "$cmd" != "$entry" ] && command -v "$cmd" >/dev/null 2>&1 && continue
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
            missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        echo "ci: missing packages; run as root: apt-get install -y ${missing[*]}" >&2
        exit 2
    fi
    echo "ci: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

lc_build() {
    cmake -S . -B build -DLEAKCHECK_WERROR=ON >/dev/null
    cmake --build build -j"$(nproc)"
}

# Installs the npm packages the tests feed leakcheck's JUnit XML to (pinned in
# tests/npm/package-lock.json) into a cache directory, default build/npm, which
# is the build tree's LEAKCHECK_NPM_DIR. Skipped when the lock file has not
# changed since the last install. Without npm the consumer test reports itself
# as skipped; any other failure here stops CI.
lc_install_npm() {
    local dir=${1:-build/npm}
    if ! command -v npm >/dev/null 2>&1; then
        echo "ci: npm not found: the JUnit consumer test will be skipped" >&2
        return 0
    fi
    mkdir -p "$dir"
    if cmp -s tests/npm/package-lock.json "$dir/package-lock.json" &&
        [ -f "$dir/node_modules/junit2json/package.json" ]; then
        return 0
    fi
    cp tests/npm/package.json tests/npm/package-lock.json "$dir/"
    echo "ci: npm ci in $dir" >&2
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
}
