#!/usr/bin/env bash
# ci-fresh-root.sh - a fresh Debian 12 root (debootstrap) as a stand-in for the CI machine, to try
# `make test`, `make run` and .ci/run the way CI runs them. Needs root and debootstrap
# (apt-get install debootstrap). The root is big (about 2.5 GB once the packages are in): keep it
# outside the repository.
#
#   scripts/ci-fresh-root.sh create ROOT      debootstrap --variant=minbase bookworm into ROOT
#   scripts/ci-fresh-root.sh mount ROOT       make ROOT usable: /proc /sys /dev bound, resolv.conf,
#                                             this machine's apt sources and extra CA certificates
#   scripts/ci-fresh-root.sh clone ROOT [REPO] git clone REPO (default: this checkout) to ROOT/root/cydra
#   scripts/ci-fresh-root.sh run ROOT CMD...  run CMD with bash in ROOT/root/cydra, with a clean
#                                             environment (HOME=/root, the C locale, a plain PATH)
#   scripts/ci-fresh-root.sh umount ROOT      undo mount (always do this before deleting ROOT)
#
# The Debian mirror is the first one this machine's apt uses ($CI_DEBIAN_MIRROR overrides it).
# Network settings are copied from this machine, never written here: the certificate authorities
# under /usr/local/share/ca-certificates (the Debian ca-certificates package that deps.sh installs
# adds them to the root's bundle) and the proxy and CA-bundle variables of the environment
# (http_proxy, NODE_EXTRA_CA_CERTS, npm_config_*, ...), which `run` passes through. See docs/ci.md.
set -euo pipefail

die() {
    echo "ci-fresh-root: $*" >&2
    exit 1
}
[ $# -ge 2 ] || die "usage: $0 create|mount|clone|run|umount ROOT [...]"
cmd=$1
root=$(realpath -m "$2")
shift 2
[ "$(id -u)" = 0 ] || die "must run as root (debootstrap, mount and chroot need it)"
[ "$root" != / ] || die "ROOT must not be /"

# mirror: the first URI of this machine's Debian sources (deb822 or one-line format)
mirror() {
    if [ -n "${CI_DEBIAN_MIRROR:-}" ]; then
        echo "$CI_DEBIAN_MIRROR"
        return
    fi
    local m
    m=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
        awk '/^URIs:/ && $2 ~ /debian\/?$/ {print $2; exit}')
    if [ -z "$m" ]; then
        m=$(awk '$1 == "deb" && $3 == "bookworm" {print $2; exit}' /etc/apt/sources.list 2>/dev/null)
    fi
    [ -n "$m" ] || die "no Debian mirror in /etc/apt/sources*; set CI_DEBIAN_MIRROR"
    echo "$m"
}

mounted() { mountpoint -q "$1"; }

do_mount() {
    [ -x "$root/bin/bash" ] || die "$root is not a Debian root (run create first)"
    mkdir -p "$root/proc" "$root/sys" "$root/dev"
    mounted "$root/proc" || mount -t proc proc "$root/proc"
    # recursive binds: slurmd needs the cgroup mounts under /sys/fs/cgroup, Python's
    # multiprocessing /dev/shm and ptys /dev/pts; rslave so that unmounting them here never
    # propagates back to this machine's own mounts
    local d
    for d in sys dev; do
        if ! mounted "$root/$d"; then
            mount --rbind "/$d" "$root/$d"
            mount --make-rslave "$root/$d"
        fi
    done
    cp -L /etc/resolv.conf "$root/etc/resolv.conf"
    cp /etc/hosts "$root/etc/hosts"
    # apt sources as this machine has them (only the enabled files); the one-line sources.list
    # debootstrap wrote would duplicate them
    local f copied=0
    for f in /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] || continue
        cp "$f" "$root/etc/apt/sources.list.d/"
        copied=1
    done
    if [ -s /etc/apt/sources.list ] && grep -q '^deb ' /etc/apt/sources.list; then
        cp /etc/apt/sources.list "$root/etc/apt/sources.list"
    elif [ "$copied" = 1 ]; then
        rm -f "$root/etc/apt/sources.list"
    fi
    # local certificate authorities (a TLS-inspecting proxy's, for instance)
    if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
        mkdir -p "$root/usr/local/share/ca-certificates"
        cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
        if [ -x "$root/usr/sbin/update-ca-certificates" ]; then
            chroot "$root" update-ca-certificates >/dev/null 2>&1 || true
        fi
    fi
}

do_umount() {
    local d
    for d in dev sys proc; do
        if mounted "$root/$d"; then
            umount -R "$root/$d" || umount -R -l "$root/$d"
        fi
    done
}

case $cmd in
    create)
        [ ! -e "$root/bin/bash" ] || die "$root already holds a root; remove it (after umount) first"
        command -v debootstrap >/dev/null || die "debootstrap is missing: apt-get install debootstrap"
        mkdir -p "$root"
        debootstrap --variant=minbase bookworm "$root" "$(mirror)"
        ;;
    mount)
        do_mount
        ;;
    umount)
        do_umount
        ;;
    clone)
        repo=${1:-$(git -C "$(dirname "$0")" rev-parse --show-toplevel)}
        rm -rf "$root/root/cydra"
        git clone -q "$repo" "$root/root/cydra"
        git -C "$root/root/cydra" log -1 --format='ci-fresh-root: cloned %h %s' >&2
        ;;
    run)
        [ $# -ge 1 ] || die "usage: $0 run ROOT CMD..."
        mounted "$root/proc" || do_mount
        env_args=(HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
                  TERM=dumb)
        while IFS= read -r v; do
            env_args+=("$v")
        done < <(env | grep -E '^((https?|no|all|ftp)_proxy|(HTTPS?|NO|ALL|FTP)_PROXY|NODE_EXTRA_CA_CERTS|SSL_CERT_(FILE|DIR)|CURL_CA_BUNDLE|GIT_SSL_CAINFO|npm_config_[A-Za-z_]+|CYDRA_[A-Z_]+)=' || true)
        # shellcheck disable=SC2016  # $1 expands inside the root's bash
        exec chroot "$root" /usr/bin/env -i "${env_args[@]}" /bin/bash -c 'cd /root/cydra && eval "$1"' \
            bash "$*"
        ;;
    *)
        die "unknown command $cmd (create, mount, clone, run, umount)"
        ;;
esac
