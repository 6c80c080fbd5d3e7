#!/usr/bin/env bash
# Install the Debian packages the tests and the emulator run against, and
# make Debian source packages available to `apt-get source`.
#
# Only acts when run as root on Debian; elsewhere it prints a note and exits 0.
# Idempotent: when every package is installed and source indexes are known to
# apt, it does nothing and needs no network.
#
# The deb-src source is derived from the machine's own apt sources (no host
# is named here): Debian stanzas of /etc/apt/sources.list.d/*.sources are
# copied with `Types: deb-src`, and `deb` lines of /etc/apt/sources.list are
# copied as `deb-src` lines.
set -euo pipefail

PACKAGES=(
    qemu-system-misc opensbi u-boot-qemu
    gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf
    qemu-utils dpkg-dev e2fsprogs mtools dosfstools device-tree-compiler
)

SOURCES_DIR=${APT_SOURCES_DIR:-/etc/apt/sources.list.d}
SOURCES_LIST=${APT_SOURCES_LIST:-/etc/apt/sources.list}
DERIVED_SOURCES=$SOURCES_DIR/cyqemu-deb-src.sources
DERIVED_LIST=$SOURCES_DIR/cyqemu-deb-src.list

log() { printf 'setup-system: %s\n' "$*"; }

if [[ ! -f /etc/debian_version ]]; then
    log "not Debian: install the equivalents of ${PACKAGES[*]} yourself"
    exit 0
fi

# What the project needs beyond the list above, only when missing:
# a C compiler and Python headers for Cython, ensurepip for `python3 -m venv`.
command -v cc >/dev/null 2>&1 || PACKAGES+=(gcc)
PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import ensurepip' >/dev/null 2>&1; then
    PACKAGES+=(python3-venv)
fi
if ! "$PYTHON" -c 'import os, sysconfig, sys; sys.exit(not os.path.exists(
        os.path.join(sysconfig.get_paths()["include"], "Python.h")))' 2>/dev/null; then
    PACKAGES+=(python3-dev)
fi

installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep 'install ok installed' >/dev/null
}

have_qemu_source() {
    apt-cache showsrc qemu 2>/dev/null | grep '^Package: qemu$' >/dev/null
}

# Suites that belong to the Debian release this machine runs (bookworm,
# bookworm-updates, bookworm-security, stable, ...), as opposed to
# third-party repositories that have no source packages.
# shellcheck source=/dev/null
codename=$(. /etc/os-release && printf '%s' "${VERSION_CODENAME:-}")

derive_deb822() {
    # Print every stanza whose Types include `deb` and whose Suites belong to
    # this release, with Types set to deb-src.
    awk -v codename="$codename" '
        function debian_suite(s,    base) {
            base = s
            sub(/[-\/].*$/, "", base)
            return base == codename || base ~ /^(stable|oldstable|testing|unstable|sid)$/
        }
        function flush(    i, n, parts, ok) {
            if (nlines == 0) return
            ok = has_deb && enabled
            if (ok) {
                n = split(suites, parts, /[ \t]+/)
                ok = 0
                for (i = 1; i <= n; i++) if (parts[i] != "" && debian_suite(parts[i])) ok = 1
            }
            if (ok) {
                if (printed) print ""
                for (i = 1; i <= nlines; i++) print lines[i]
                printed = 1
            }
            nlines = 0; has_deb = 0; suites = ""; enabled = 1
        }
        BEGIN { enabled = 1 }
        /^[ \t]*$/ { flush(); next }
        {
            line = $0
            if (tolower(line) ~ /^types:/) {
                v = line; sub(/^[^:]*:[ \t]*/, "", v)
                if ((" " v " ") ~ /[ \t]deb[ \t]/) has_deb = 1
                line = "Types: deb-src"
            } else if (tolower(line) ~ /^suites:/) {
                v = line; sub(/^[^:]*:[ \t]*/, "", v); suites = v
            } else if (tolower(line) ~ /^enabled:[ \t]*no/) {
                enabled = 0
            }
            lines[++nlines] = line
        }
        END { flush() }
    ' "$@"
}

derive_one_line() {
    # `deb [opts] uri suite comp...` -> `deb-src [opts] uri suite comp...`,
    # for suites of this release only.
    awk -v codename="$codename" '
        $1 == "deb" {
            i = 2
            if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
            suite = $(i + 1); base = suite; sub(/[-\/].*$/, "", base)
            if (base == codename || base ~ /^(stable|oldstable|testing|unstable|sid)$/) {
                sub(/^[ \t]*deb[ \t]+/, "deb-src ")
                print
            }
        }
    ' "$@"
}

add_deb_src() {
    local sources=() f
    for f in "$SOURCES_DIR"/*.sources; do
        [[ -f $f && $f != "$DERIVED_SOURCES" ]] && sources+=("$f")
    done
    if ((${#sources[@]})); then
        derive_deb822 "${sources[@]}" > "$DERIVED_SOURCES.tmp"
        if [[ -s $DERIVED_SOURCES.tmp ]]; then
            mv "$DERIVED_SOURCES.tmp" "$DERIVED_SOURCES"
            log "wrote $DERIVED_SOURCES"
        else
            rm -f "$DERIVED_SOURCES.tmp"
        fi
    fi
    if [[ -f $SOURCES_LIST ]]; then
        derive_one_line "$SOURCES_LIST" > "$DERIVED_LIST.tmp"
        if [[ -s $DERIVED_LIST.tmp ]]; then
            mv "$DERIVED_LIST.tmp" "$DERIVED_LIST"
            log "wrote $DERIVED_LIST"
        else
            rm -f "$DERIVED_LIST.tmp"
        fi
    fi
    if [[ ! -f $DERIVED_SOURCES && ! -f $DERIVED_LIST ]]; then
        log "error: found no Debian apt source to derive a deb-src source from" >&2
        exit 1
    fi
}

if [[ ${1:-} == --print-deb-src ]]; then
    # Show what would be derived, touch nothing.
    for f in "$SOURCES_DIR"/*.sources; do
        [[ -f $f && $f != "$DERIVED_SOURCES" ]] && derive_deb822 "$f"
    done
    [[ -f $SOURCES_LIST ]] && derive_one_line "$SOURCES_LIST"
    exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
    log "not root: skipping system packages (needed: ${PACKAGES[*]})"
    exit 0
fi

missing=()
for p in "${PACKAGES[@]}"; do
    installed "$p" || missing+=("$p")
done

need_update=0
if ! have_qemu_source; then
    if [[ ! -f $DERIVED_SOURCES && ! -f $DERIVED_LIST ]]; then
        add_deb_src
    fi
    need_update=1
fi
((${#missing[@]})) && need_update=1

if ((need_update)); then
    export DEBIAN_FRONTEND=noninteractive
    log "apt-get update"
    apt-get update
fi
if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    apt-get install -y --no-install-recommends "${missing[@]}"
fi
if ! have_qemu_source; then
    log "error: apt still knows no source package 'qemu' (is a deb-src source configured?)" >&2
    exit 1
fi
log "system packages and deb-src source are in place"
