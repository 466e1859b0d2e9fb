# shellcheck shell=bash
# Shared code for images/datastores/<name>/build: datastore images from Debian packages, no registry.
#
# A build script sets the DS_* variables below, defines ds_customize (runs against the rootfs) and
# ds_verify (runs against the imported image), then calls `trove_image_main "$@"`.
#
#   DS_NAME            datastore name, e.g. mariadb (also the image repository name)
#   DS_TAG             image tag: the engine's major version as Debian 12 ships it, e.g. 10.11
#   DS_PACKAGES        Debian packages to install (space separated)
#   DS_VERSION_PACKAGE package whose version is the engine version (e.g. mariadb-server)
#   DS_VERSION_REGEX   extended regex the upstream version must match (e.g. '^10\.11\.')
#   DS_USER            OS user of the engine; moved to uid:gid 1001:1001
#   DS_IMPORT_CHANGES  array of Dockerfile instructions for `docker import -c`
#   DS_DIR             directory of the build script (hashed: every file in it is a build input)
#
# Environment:
#   TROVE_IMAGE_PREFIX       repository prefix (default trove) -> trove/mariadb:10.11
#   TROVE_IMAGE_CACHE_DIR    rootfs tarball cache (default /var/cache/trove-ts/images)
#   TROVE_DEBIAN_MIRROR      override the Debian mirror read from the apt sources
#   TROVE_DEBIAN_SECURITY_MIRROR  override the security mirror ("none" to skip security updates)

TROVE_DATASTORES_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TROVE_DEBIAN_SUITE=bookworm          # Debian 12: the tags are the versions this release ships
TROVE_SERVICE_UID=1001               # Trove's database_service_uid
TROVE_SERVICE_GID=1001
TROVE_IMAGE_CACHE_DIR=${TROVE_IMAGE_CACHE_DIR:-/var/cache/trove-ts/images}
TROVE_DEBOOTSTRAP_CACHE_DIR=${TROVE_DEBOOTSTRAP_CACHE_DIR:-/var/cache/trove-ts/debootstrap}

_trove_t0=$SECONDS
trove_step() { printf '[%s %4ds] %s\n' "${DS_NAME:-image}" "$((SECONDS - _trove_t0))" "$*" >&2; }
trove_die() { printf '[%s %4ds] ERROR: %s\n' "${DS_NAME:-image}" "$((SECONDS - _trove_t0))" "$*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------
# Apt sources: list every enabled binary ("deb") source of this machine as "URI SUITE" lines.
# Reads /etc/apt/sources.list, /etc/apt/sources.list.d/*.list (one-line form) and
# /etc/apt/sources.list.d/*.sources (deb822 form: Types/URIs/Suites/Enabled fields).
# TROVE_APT_SOURCES_ROOT (default /etc/apt) exists for tests.
trove_apt_sources() {
    local root=${TROVE_APT_SOURCES_ROOT:-/etc/apt}
    local f
    local -a list=() deb822=()
    [ -f "$root/sources.list" ] && list+=("$root/sources.list")
    for f in "$root"/sources.list.d/*.list; do [ -f "$f" ] && list+=("$f"); done
    for f in "$root"/sources.list.d/*.sources; do [ -f "$f" ] && deb822+=("$f"); done
    if [ ${#list[@]} -gt 0 ]; then
        # deb [ options ] URI SUITE [COMPONENT...]
        sed -e 's/#.*//' -e 's/\[[^]]*\]//g' "${list[@]}" |
            awk '$1 == "deb" && NF >= 3 { print $2, $3 }'
    fi
    if [ ${#deb822[@]} -gt 0 ]; then
        local f2
        for f2 in "${deb822[@]}"; do
            awk '
                function flush(   i, j, nu, ns, u, s, isdeb) {
                    isdeb = 0
                    n = split(types, t, /[ \t]+/)
                    for (i = 1; i <= n; i++) if (t[i] == "deb") isdeb = 1
                    if (isdeb && tolower(enabled) != "no") {
                        nu = split(uris, u, /[ \t]+/); ns = split(suites, s, /[ \t]+/)
                        for (i = 1; i <= nu; i++) for (j = 1; j <= ns; j++)
                            if (u[i] != "" && s[j] != "") print u[i], s[j]
                    }
                    types = ""; uris = ""; suites = ""; enabled = ""; field = ""
                }
                /^[ \t]*#/ { next }
                /^[ \t]*$/ { flush(); next }
                /^[ \t]/   { if (field == "uris") uris = uris " " $0
                             else if (field == "suites") suites = suites " " $0
                             else if (field == "types") types = types " " $0
                             next }
                {
                    line = $0; sub(/[ \t]*#.*/, "", line)
                    key = tolower(line); sub(/:.*/, "", key)
                    val = line; sub(/^[^:]*:[ \t]*/, "", val)
                    field = key
                    if (key == "types") types = val
                    else if (key == "uris") uris = val
                    else if (key == "suites") suites = val
                    else if (key == "enabled") enabled = val
                }
                END { flush() }
            ' "$f2"
        done
    fi
}

# trove_debian_mirror [main|security]
# Prints the Debian archive URI to use for $TROVE_DEBIAN_SUITE (main) or its security suite.
# Preference: a source that names the exact suite; else any Debian archive this machine uses
# (a URI ending in /debian, or /debian-security for security). Only http(s) URIs qualify.
# TROVE_DEBIAN_MIRROR / TROVE_DEBIAN_SECURITY_MIRROR override. Prints nothing (status 1) if none.
trove_debian_mirror() {
    local kind=${1:-main} want override
    if [ "$kind" = security ]; then
        want="$TROVE_DEBIAN_SUITE-security"; override=${TROVE_DEBIAN_SECURITY_MIRROR:-}
    else
        want="$TROVE_DEBIAN_SUITE"; override=${TROVE_DEBIAN_MIRROR:-}
    fi
    if [ -n "$override" ]; then
        [ "$override" = none ] && return 1
        printf '%s\n' "${override%/}"; return 0
    fi
    trove_apt_sources | awk -v want="$want" -v kind="$kind" '
        $1 !~ /^https?:\/\// { next }
        { uri = $1; sub(/\/+$/, "", uri) }
        $2 == want { if (exact == "") exact = uri; next }
        kind == "security" && $2 ~ /-security$/ && uri ~ /\/debian-security$/ { if (loose == "") loose = uri; next }
        kind == "main" && $2 !~ /-security$/ && uri ~ /\/debian$/ { if (loose == "") loose = uri; next }
        END { if (exact != "") print exact; else if (loose != "") print loose; else exit 1 }
    '
}

# ---------------------------------------------------------------------------------------------
_trove_mounts=()
_trove_tmp=""
_trove_cleanup() {
    local i
    for ((i = ${#_trove_mounts[@]} - 1; i >= 0; i--)); do
        umount -l "${_trove_mounts[i]}" 2>/dev/null || true
    done
    if [ -n "$_trove_tmp" ] && [ -d "$_trove_tmp" ]; then
        # anything debootstrap itself left mounted (killed mid-run) goes first
        local m
        awk -v p="$_trove_tmp/" 'index($2, p) == 1 { print $2 }' /proc/mounts | sort -r |
            while read -r m; do umount -l "$m" 2>/dev/null || true; done
        rm -rf --one-file-system "$_trove_tmp"
    fi
}

# Run a command inside the rootfs with no daemons allowed to start.
trove_chroot() { LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive chroot "$ROOTFS" "$@"; }

# Move DS_USER (and its group) to 1001:1001 and re-own every file that had the old ids.
trove_set_service_ids() {
    local user=$1 group=${2:-$1} old_uid old_gid
    old_uid=$(trove_chroot id -u "$user") || trove_die "user $user missing in the rootfs"
    old_gid=$(trove_chroot getent group "$group" | cut -d: -f3) || trove_die "group $group missing"
    if trove_chroot getent passwd "$TROVE_SERVICE_UID" >/dev/null && [ "$old_uid" != "$TROVE_SERVICE_UID" ]; then
        trove_die "uid $TROVE_SERVICE_UID is already taken in the rootfs"
    fi
    if trove_chroot getent group "$TROVE_SERVICE_GID" >/dev/null && [ "$old_gid" != "$TROVE_SERVICE_GID" ]; then
        trove_die "gid $TROVE_SERVICE_GID is already taken in the rootfs"
    fi
    trove_chroot groupmod -g "$TROVE_SERVICE_GID" "$group"
    trove_chroot usermod -u "$TROVE_SERVICE_UID" -g "$TROVE_SERVICE_GID" "$user"
    find "$ROOTFS" -xdev -uid "$old_uid" -exec chown -h "$TROVE_SERVICE_UID" {} +
    find "$ROOTFS" -xdev -gid "$old_gid" -exec chgrp -h "$TROVE_SERVICE_GID" {} +
}

# Remove what a container never needs. Keeps /usr/share/zoneinfo and the engines' own share dirs.
trove_trim_rootfs() {
    trove_chroot apt-get clean
    rm -rf "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/cache/apt/*.bin \
        "$ROOTFS"/usr/share/doc/* "$ROOTFS"/usr/share/man/* "$ROOTFS"/usr/share/info/* \
        "$ROOTFS"/usr/share/lintian "$ROOTFS"/usr/share/locale/* \
        "$ROOTFS"/var/cache/debconf/*-old "$ROOTFS"/var/lib/dpkg/*-old \
        "$ROOTFS"/tmp/* "$ROOTFS"/var/tmp/*
    find "$ROOTFS/var/log" -type f -exec truncate -s 0 {} +
    # keep it that way if someone installs more packages in a derived image
    mkdir -p "$ROOTFS/etc/dpkg/dpkg.cfg.d"
    cat >"$ROOTFS/etc/dpkg/dpkg.cfg.d/01-trove-ts-nodoc" <<'EOF'
path-exclude=/usr/share/doc/*
path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
path-exclude=/usr/share/locale/*
EOF
    # Docker provides these at run time; do not ship the build host's.
    : >"$ROOTFS/etc/resolv.conf"
    echo localhost >"$ROOTFS/etc/hostname"
}

# Hash of everything the rootfs is made from: the scripts, the files next to them, the mirrors.
_trove_input_hash() {
    {
        printf 'suite=%s arch=%s uid=%s gid=%s\n' "$TROVE_DEBIAN_SUITE" "$ARCH" "$TROVE_SERVICE_UID" "$TROVE_SERVICE_GID"
        printf 'mirror=%s security=%s\n' "$MIRROR" "$SECURITY_MIRROR"
        printf 'packages=%s\n' "$DS_PACKAGES"
        (cd "$TROVE_DATASTORES_DIR" && sha256sum lib.sh)
        (cd "$DS_DIR" && find . -type f ! -name '*~' ! -name '.*' -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
    } | sha256sum | cut -c1-16
}

_trove_usage() {
    cat <<EOF
Usage: $0 [--force] [--no-cache]
Builds the local image $IMAGE from Debian $TROVE_DEBIAN_SUITE packages (no registry needed).
  --force     rebuild even if the image exists (the rootfs tarball cache is still used)
  --no-cache  ignore the cached rootfs tarball and run debootstrap again (implies --force)
Environment: TROVE_IMAGE_PREFIX (default trove), TROVE_IMAGE_CACHE_DIR, TROVE_DEBIAN_MIRROR,
TROVE_DEBIAN_SECURITY_MIRROR (none = no security updates).
EOF
}

# Build the rootfs tarball into $1 (written through a temp file, so a cache file is always whole).
_trove_build_rootfs() {
    local out=$1 log="$_trove_tmp/build.log" version upstream
    ROOTFS="$_trove_tmp/rootfs"
    mkdir -p "$ROOTFS" "$TROVE_DEBOOTSTRAP_CACHE_DIR/$DS_NAME"
    local include=${DS_PACKAGES// /,}
    case "$MIRROR $SECURITY_MIRROR" in *https://*) include="$include,ca-certificates" ;; esac

    trove_step "debootstrap $TROVE_DEBIAN_SUITE (minbase + $DS_PACKAGES) from $MIRROR"
    if ! debootstrap --variant=minbase --arch="$ARCH" --components=main --include="$include" \
        --cache-dir="$TROVE_DEBOOTSTRAP_CACHE_DIR/$DS_NAME" \
        "$TROVE_DEBIAN_SUITE" "$ROOTFS" "$MIRROR" >"$log" 2>&1; then
        tail -n 40 "$log" >&2
        [ -f "$ROOTFS/debootstrap/debootstrap.log" ] && tail -n 40 "$ROOTFS/debootstrap/debootstrap.log" >&2
        trove_die "debootstrap failed (log above)"
    fi

    # from here on: maintainer scripts must not start daemons, and need /proc
    printf '#!/bin/sh\nexit 101\n' >"$ROOTFS/usr/sbin/policy-rc.d"
    chmod 755 "$ROOTFS/usr/sbin/policy-rc.d"
    mount -t proc proc "$ROOTFS/proc" && _trove_mounts+=("$ROOTFS/proc")

    trove_step "apply $TROVE_DEBIAN_SUITE-updates${SECURITY_MIRROR:+ and $TROVE_DEBIAN_SUITE-security} updates"
    {
        echo "deb $MIRROR $TROVE_DEBIAN_SUITE main"
        echo "deb $MIRROR $TROVE_DEBIAN_SUITE-updates main"
        if [ -n "$SECURITY_MIRROR" ]; then echo "deb $SECURITY_MIRROR $TROVE_DEBIAN_SUITE-security main"; fi
    } >"$ROOTFS/etc/apt/sources.list"
    if ! { trove_chroot apt-get -q update &&
        trove_chroot apt-get -q -y -o Dpkg::Options::=--force-confold --no-install-recommends dist-upgrade; } >>"$log" 2>&1; then
        tail -n 40 "$log" >&2
        trove_die "apt-get update/upgrade inside the rootfs failed (log above)"
    fi

    # shellcheck disable=SC2016
    version=$(trove_chroot dpkg-query -W -f='${Version}' "$DS_VERSION_PACKAGE") ||
        trove_die "$DS_VERSION_PACKAGE is not installed in the rootfs"
    upstream=${version#*:}; upstream=${upstream%%-*}; upstream=${upstream%%+*}
    [[ $upstream =~ $DS_VERSION_REGEX ]] ||
        trove_die "$DS_VERSION_PACKAGE is $version; tag $DS_TAG expects a version matching $DS_VERSION_REGEX"
    DS_ENGINE_VERSION=$upstream

    trove_step "customize ($DS_USER -> uid:gid $TROVE_SERVICE_UID:$TROVE_SERVICE_GID, entrypoint, trim); $DS_VERSION_PACKAGE $version"
    trove_set_service_ids "$DS_USER"
    install -m 0755 "$DS_DIR/trove-entrypoint" "$ROOTFS/usr/local/bin/trove-entrypoint"
    ds_customize
    trove_trim_rootfs
    cat >"$ROOTFS/etc/trove-ts-image" <<EOF
datastore=$DS_NAME
tag=$DS_TAG
engine_version=$DS_ENGINE_VERSION
package_version=$version
input_hash=$INPUT_HASH
EOF
    rm -f "$ROOTFS/usr/sbin/policy-rc.d"
    umount "$ROOTFS/proc" && _trove_mounts=()

    trove_step "pack rootfs ($(du -sh --one-file-system "$ROOTFS" | cut -f1)) into the cache"
    local gz=gzip
    command -v pigz >/dev/null 2>&1 && gz=pigz
    tar --numeric-owner --one-file-system -C "$ROOTFS" \
        --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' --exclude=./debootstrap \
        -cf - . | "$gz" -1 >"$out.tmp.$$" || trove_die "packing the rootfs failed"
    printf 'DS_ENGINE_VERSION=%q\nDS_PACKAGE_VERSION=%q\n' "$DS_ENGINE_VERSION" "$version" >"${out%.tar.gz}.env"
    mv -f "$out.tmp.$$" "$out"
    rm -rf --one-file-system "$ROOTFS"
}

trove_image_main() {
    local force=0 nocache=0 arg
    IMAGE="${TROVE_IMAGE_PREFIX:-trove}/$DS_NAME:$DS_TAG"
    for arg in "$@"; do
        case "$arg" in
            --force) force=1 ;;
            --no-cache) force=1; nocache=1 ;;
            -h|--help) _trove_usage; return 0 ;;
            *) _trove_usage >&2; trove_die "unknown argument: $arg" ;;
        esac
    done

    [ "$(id -u)" = 0 ] || trove_die "must run as root (debootstrap, chroot)"
    local c
    for c in debootstrap docker tar gzip sha256sum chroot flock; do
        command -v "$c" >/dev/null 2>&1 || trove_die "missing command: $c (apt-get install debootstrap; .ci/lib/ensure-docker.sh)"
    done
    timeout 20 docker info >/dev/null 2>&1 || trove_die "the docker engine is not answering; run .ci/lib/ensure-docker.sh"

    ARCH=$(dpkg --print-architecture)
    MIRROR=$(trove_debian_mirror main) ||
        trove_die "no Debian mirror found in /etc/apt/sources.list{,.d/*.list,.d/*.sources}; set TROVE_DEBIAN_MIRROR"
    SECURITY_MIRROR=$(trove_debian_mirror security) || SECURITY_MIRROR=""
    INPUT_HASH=$(_trove_input_hash)

    trove_step "image $IMAGE, inputs $INPUT_HASH"
    local existing
    if existing=$(docker image inspect --format '{{index .Config.Labels "org.trove-ts.input-hash"}}' "$IMAGE" 2>/dev/null); then
        if [ "$force" = 0 ] && { [ "$existing" = "$INPUT_HASH" ] || [ -z "$existing" ] || [ "$existing" = "<no value>" ]; }; then
            trove_step "image $IMAGE exists; skipping (use --force to rebuild)"
            return 0
        fi
        [ "$force" = 1 ] || trove_step "image $IMAGE was built from other inputs ($existing); rebuilding"
    fi
    local old_id
    old_id=$(docker image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)

    mkdir -p "$TROVE_IMAGE_CACHE_DIR"
    local cache="$TROVE_IMAGE_CACHE_DIR/$DS_NAME-$DS_TAG-$INPUT_HASH.tar.gz"
    # one build of this image at a time (the cache file and the tag are shared)
    exec 8>"$TROVE_IMAGE_CACHE_DIR/.$DS_NAME-$DS_TAG.lock"
    flock -w 1800 8 || trove_die "another build of $IMAGE holds the lock"

    _trove_tmp=$(mktemp -d "${TMPDIR:-/var/tmp}/trove-image-$DS_NAME.XXXXXX")
    trap _trove_cleanup EXIT
    trap 'exit 130' INT TERM

    if [ "$nocache" = 1 ]; then rm -f "$cache" "${cache%.tar.gz}.env"; fi
    if [ -s "$cache" ] && [ -s "${cache%.tar.gz}.env" ]; then
        trove_step "using cached rootfs $cache ($(du -h "$cache" | cut -f1))"
    else
        _trove_build_rootfs "$cache"
        # older tarballs of this image are dead weight now
        find "$TROVE_IMAGE_CACHE_DIR" -maxdepth 1 -name "$DS_NAME-$DS_TAG-*" ! -name "$DS_NAME-$DS_TAG-$INPUT_HASH.*" -delete
    fi
    # shellcheck disable=SC1090
    . "${cache%.tar.gz}.env"

    trove_step "docker import -> $IMAGE"
    local -a changes=()
    for c in "${DS_IMPORT_CHANGES[@]}" \
        "LABEL org.trove-ts.datastore=$DS_NAME" \
        "LABEL org.trove-ts.input-hash=$INPUT_HASH" \
        "LABEL org.trove-ts.engine-version=$DS_ENGINE_VERSION" \
        "LABEL org.trove-ts.package-version=$DS_PACKAGE_VERSION" \
        "LABEL org.opencontainers.image.version=$DS_ENGINE_VERSION" \
        "LABEL org.opencontainers.image.base.name=debian:$TROVE_DEBIAN_SUITE"; do
        changes+=(-c "$c")
    done
    docker import "${changes[@]}" -m "trove-ts $DS_NAME $DS_ENGINE_VERSION from Debian $TROVE_DEBIAN_SUITE" \
        - "$IMAGE" <"$cache" >/dev/null || trove_die "docker import failed"

    trove_step "verify $IMAGE"
    ds_verify || { docker rmi "$IMAGE" >/dev/null 2>&1 || true; trove_die "verification of $IMAGE failed; image removed"; }

    local new_id
    new_id=$(docker image inspect --format '{{.Id}}' "$IMAGE")
    if [ -n "$old_id" ] && [ "$old_id" != "$new_id" ]; then
        docker rmi "$old_id" >/dev/null 2>&1 || true   # still used by a container: leave it
    fi
    trove_step "done: $IMAGE ($DS_NAME $DS_ENGINE_VERSION, $(docker image inspect --format '{{.Size}}' "$IMAGE" | awk '{ printf "%d MB", $1 / 1000000 }'))"
}

# Run a command in a throw-away container of the new image (no network, no pull).
trove_image_run() {
    docker run --rm --pull never --network none --entrypoint "$1" "$IMAGE" "${@:2}"
}
