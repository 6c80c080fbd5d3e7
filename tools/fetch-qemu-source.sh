#!/usr/bin/env bash
# Bring Debian's `qemu` source package into CACHE_DIR (default .cache) and
# point CACHE_DIR/qemu-src at the unpacked tree. Does nothing when the link
# already leads to a tree with scripts/qapi-gen.py. Needs a deb-src source
# (tools/setup-system.sh adds one when run as root); works as any user.
set -euo pipefail

cache=${1:-.cache}
link=$cache/qemu-src

log() { printf 'fetch-qemu-source: %s\n' "$*"; }

if [[ -f $link/scripts/qapi-gen.py ]]; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    log "warning: no apt-get here; unpack QEMU 7.2's source yourself and link it as $link" >&2
    exit 0
fi

mkdir -p "$cache"
cd "$cache"
log "apt-get source qemu (into $cache)"
if ! apt-get source qemu; then
    log "error: 'apt-get source qemu' failed; a deb-src apt source is needed" \
        "(run 'make install' as root once, or add one yourself)" >&2
    exit 1
fi

# The tree is the newest qemu-* directory that holds the QAPI generator.
tree=
for d in qemu-*/; do
    d=${d%/}
    [[ -f $d/scripts/qapi-gen.py && ( -z $tree || $d -nt $tree ) ]] && tree=$d
done
if [[ -z $tree ]]; then
    log "error: no unpacked qemu-* tree with scripts/qapi-gen.py in $cache" >&2
    exit 1
fi
ln -sfn "$tree" qemu-src
# The unpacked tree is all the project uses; drop the downloads.
rm -f qemu_*.orig.tar.* qemu_*.debian.tar.* qemu_*.orig-*.tar.*
log "$link -> $tree"
