#!/usr/bin/env bash
# Install the Debian 12 packages labelq needs to build, test and run.
# Installs only what is missing; prints "all dependencies present" otherwise.
# Safe to run again and again: `make deps` calls it before every build.
set -euo pipefail

packages=(
	build-essential   # gcc, make, libc headers
	cmake
	pkg-config
	libuv1-dev        # event loop (daemon)
	libssl-dev        # TLS (daemon, client)
	openssl           # CLI used by tests to inspect certificates
	libprotobuf-c-dev # wire format
	protobuf-c-compiler
	liblmdb-dev       # storage
	libjansson-dev    # JSON (import, export)
	libinih-dev       # config file
	libsystemd-dev    # sd_notify (labelqd under systemd, Type=notify)
	libcmocka-dev     # unit tests
	clang             # fuzz tests (tests/fuzz): libFuzzer needs clang ...
	libclang-rt-14-dev # ... and its runtime (Debian 12's clang is 14)
	python3           # Debian's /usr/bin/python3, used by tests
	curl              # tests scrape the metrics endpoint
	python3-nltk      # independent agreement metrics the quality tests compare with
	python3-statsmodels
	python3-sklearn
	python3-shapely   # box geometry (IoU) the box cross-check compares with
	lmdb-utils        # mdb_copy, mdb_stat: backups and inspection
	valgrind          # make memcheck; tests/walk counts the code a request runs (callgrind)
	ca-certificates
)

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
	echo "install-deps: this script needs a Debian-like system (dpkg-query and apt-get)." >&2
	echo "install-deps: on other systems install the equivalents of: ${packages[*]}" >&2
	exit 1
fi

missing=()
for pkg in "${packages[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
	if [[ "$status" != "install ok installed" ]]; then
		missing+=("$pkg")
	fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
	echo "all dependencies present"
	exit 0
fi

if [[ $(id -u) -eq 0 ]]; then
	sudo=()
elif command -v sudo >/dev/null 2>&1; then
	sudo=(sudo)
else
	echo "install-deps: missing packages: ${missing[*]}" >&2
	echo "install-deps: run this script as root or install sudo, or install them yourself:" >&2
	echo "  apt-get install ${missing[*]}" >&2
	exit 1
fi

echo "installing: ${missing[*]}"
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
	apt-get install -y --no-install-recommends "${missing[@]}"
echo "all dependencies present"
