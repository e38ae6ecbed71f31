# Sourced by ci/test and ci/demo: installs the Debian packages leakcheck needs
# when they are missing. As root it runs apt-get; otherwise it prints the exact
# command and exits 2.
LC_PACKAGES="cmake make gcc g++ pkg-config binutils libcmocka-dev libunwind-dev
libjansson-dev libdw-dev python3"

lc_install_deps() {
    local missing=() p
    for p in $LC_PACKAGES; do
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
