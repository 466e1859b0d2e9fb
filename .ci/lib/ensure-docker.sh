#!/usr/bin/env bash
# Make sure a Docker engine is installed and answering on this host.
#
#   .ci/lib/ensure-docker.sh        (as root; safe to run any number of times)
#
# 1. If dockerd is missing (or its Debian package is only half installed), install Debian's
#    docker engine package with apt-get. The dpkg lock timeout lets this wait for another apt
#    run that may be going on at the same time.
# 2. If `docker info` fails, start dockerd in the background (this machine has no systemd):
#    no bridge and no iptables rules; trove-ts only runs containers with host networking.
# 3. Wait until `docker info` works (TROVE_DOCKER_WAIT seconds, default 60).
#
# The engine's log is /var/log/trove-ts-dockerd.log.
set -euo pipefail

DOCKERD_LOG=/var/log/trove-ts-dockerd.log
WAIT_SECONDS=${TROVE_DOCKER_WAIT:-60}
APT_PACKAGE=docker.io   # Debian's name for the Docker engine package
LOCK_FILE=/run/trove-ts-ensure-docker.lock

log() { printf '[ensure-docker] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root"

# One run at a time: two concurrent runs must not start two engines.
exec 9>"$LOCK_FILE"
if ! flock -w 900 9; then
    die "another ensure-docker run holds $LOCK_FILE for more than 900 s"
fi

docker_ok() { timeout 20 docker info >/dev/null 2>&1; }

# --- 1. the engine package ---------------------------------------------------------------
engine_installed() {
    local path owner
    path=$(command -v dockerd 2>/dev/null) || return 1
    command -v docker >/dev/null 2>&1 || return 1
    # A dockerd that no package owns was installed by hand: take it as it is.
    owner=$(dpkg-query -S "$path" 2>/dev/null | head -n1 | cut -d: -f1) || true
    [ -z "$owner" ] && return 0
    # Owned by a package: it must be fully configured (not merely unpacked by a running apt).
    dpkg-query -W -f='${db:Status-Abbrev}' "$owner" 2>/dev/null | grep -q '^ii'
}

apt_install() {
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
        install -y --no-install-recommends "$@"
}

if ! engine_installed; then
    log "installing $APT_PACKAGE with apt-get (waits up to 600 s for the dpkg lock)"
    if ! apt_install "$APT_PACKAGE"; then
        log "apt-get install failed; refreshing the package lists and trying once more"
        DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update \
            || die "apt-get update failed"
        apt_install "$APT_PACKAGE" || die "apt-get install $APT_PACKAGE failed"
    fi
    engine_installed || die "dockerd is still missing or unconfigured after installing $APT_PACKAGE"
fi
command -v docker >/dev/null 2>&1 || die "no docker client on PATH"

# --- 2. the engine process ---------------------------------------------------------------
if docker_ok; then
    log "docker engine already running ($(docker info --format '{{.ServerVersion}} {{.Driver}}' 2>/dev/null))"
    exit 0
fi

running_dockerd_pid() {
    local pid
    if [ -s /var/run/docker.pid ]; then
        pid=$(cat /var/run/docker.pid 2>/dev/null || true)
        if [ -n "$pid" ] && [ -d "/proc/$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = dockerd ]; then
            echo "$pid"; return 0
        fi
    fi
    return 1
}

if pid=$(running_dockerd_pid); then
    log "dockerd (pid $pid) is running but not answering yet; waiting for it"
else
    log "starting dockerd (log: $DOCKERD_LOG)"
    # fd 9 (our lock) must not leak into the long-lived engine
    setsid dockerd --bridge=none --iptables=false >"$DOCKERD_LOG" 2>&1 </dev/null 9>&- &
    pid=$!
    disown "$pid" 2>/dev/null || true
fi

# --- 3. wait -------------------------------------------------------------------------------
start=$SECONDS
until docker_ok; do
    if ! [ -d "/proc/$pid" ]; then
        log "dockerd exited; last lines of $DOCKERD_LOG:"
        tail -n 30 "$DOCKERD_LOG" >&2 || true
        die "dockerd did not stay up"
    fi
    if (( SECONDS - start >= WAIT_SECONDS )); then
        log "last lines of $DOCKERD_LOG:"
        tail -n 30 "$DOCKERD_LOG" >&2 || true
        die "docker engine not answering 'docker info' after ${WAIT_SECONDS} s (dockerd pid $pid)"
    fi
    sleep 1
done
log "docker engine ready after $((SECONDS - start)) s: $(docker info --format '{{.ServerVersion}} {{.Driver}} cgroup{{.CgroupVersion}}' 2>/dev/null) (pid $pid)"
