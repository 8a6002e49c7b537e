#!/usr/bin/env bash
# liblabelq exports exactly its public headers: install into a temporary
# prefix, then compare `nm -D --defined-only` of the installed
# liblabelq.so.1 with the functions (and extern objects) that the installed
# labelq.h and the headers beside it (proto/error.h, proto/labelq.pb-c.h)
# declare, in both directions (abi_symbols.py prints every difference).
#
# From ctest's environment: CMAKE (cmake), LQ_BUILD_DIR (the build tree to
# install), CC (the compiler whose preprocessor reads the headers).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
# shellcheck source=daemon.sh
. "$(dirname "$0")/daemon.sh"

: "${CMAKE:?path of cmake}" "${LQ_BUILD_DIR:?build directory}" "${CC:?C compiler}"
PY=/usr/bin/python3

root=$(mktemp -d "${TMPDIR:-/tmp}/labelq-abi-XXXXXX")
prefix=$root/prefix
passed=0
cleanup() {
    if [ "$passed" = 1 ]; then
        rm -rf "$root"
    else
        echo "installed_abi failed; work dir $root" >&2
    fi
}
trap cleanup EXIT

"$CMAKE" --install "$LQ_BUILD_DIR" --prefix "$prefix" >"$root/install.log" ||
    fail "cmake --install: $(tail -n 5 "$root/install.log")"
# lib/ or lib/<multiarch>/, whichever GNUInstallDirs chose
pc=$(find "$prefix" -name labelq.pc -path '*/pkgconfig/*' | head -n 1)
[ -n "$pc" ] || fail "no labelq.pc installed"
export PKG_CONFIG_PATH=${pc%/labelq.pc}
lib=$(realpath "$(pkg-config --variable=libdir labelq)")/liblabelq.so.1
include=$(realpath "$(pkg-config --variable=includedir labelq)")/labelq
[ -f "$lib" ] || fail "no $lib"

nm -D --defined-only "$lib" >"$root/nm.txt" || fail "nm -D $lib"
# shellcheck disable=SC2046 # pkg-config's output is a list of flags
"$CC" -E $(pkg-config --cflags labelq) "$include/labelq.h" >"$root/labelq.i" ||
    fail "$CC -E labelq.h"
echo "== $lib against the headers in $include"
"$PY" "$(dirname "$0")/abi_symbols.py" "$root/nm.txt" "$root/labelq.i" "$include" ||
    fail "liblabelq's exports differ from its public headers (see above)"

passed=1
echo "installed_abi: ok"
