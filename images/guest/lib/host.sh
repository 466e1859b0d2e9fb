# shellcheck shell=bash
# shellcheck disable=SC2154 # globals of images/guest/build
# Host preparation for images/guest/build: Debian packages, the device-mapper stand-ins, the apt mirror.
# Sourced by the build script after lib/log.sh.

# Debian packages diskimage-builder needs on the build host (sudo: DIB calls it even as root).
GUEST_HOST_PACKAGES=(python3-diskimage-builder debootstrap qemu-utils sudo gdisk dosfstools parted
  e2fsprogs xz-utils kpartx util-linux)

# Installs whatever of GUEST_HOST_PACKAGES is missing, with apt-get (waits for another apt run).
ensure_host_packages() {
  local pkg missing=()
  for pkg in "${GUEST_HOST_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing Debian packages: ${missing[*]}"
  local apt=(apt-get -o DPkg::Lock::Timeout=600 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
  DEBIAN_FRONTEND=noninteractive "${apt[@]}" update -qq >/dev/null || say "apt-get update failed; trying the install anyway"
  DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y -qq --no-install-recommends "${missing[@]}" \
    >"$work/apt.log" 2>&1 || { tail -20 "$work/apt.log" >&2; die "apt-get install failed (log: $work/apt.log)"; }
}

# Fails with the list of missing tools (used with --no-host-setup).
check_host_tools() {
  local tool missing=()
  for tool in disk-image-create debootstrap qemu-img sudo sgdisk mkfs.vfat parted kpartx losetup partx; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
  done
  [ ${#missing[@]} -eq 0 ] || die "missing host tools: ${missing[*]} (run without --no-host-setup to install them)"
}

# "URI SUITE" for each enabled deb source of this machine: one-line and deb822 formats.
apt_source_uris() {
  local files=() f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] && files+=("$f")
  done
  [ ${#files[@]} -gt 0 ] || return 0
  grep -hoE '^(URIs:|deb)[[:space:]]+(\[[^]]*\][[:space:]]+)?[a-z]+://[^[:space:]]+' "${files[@]}" | awk '{print $NF}'
}

# Sets DEBIAN_MIRROR and DEBIAN_SECURITY_MIRROR from the environment or the machine's apt sources.
# Never a built-in host: the image is built from the mirror this machine is configured to use.
find_debian_mirrors() {
  local uris
  uris=$(apt_source_uris)
  DEBIAN_MIRROR=${TROVE_DEBIAN_MIRROR:-$(grep -v -- '-security' <<<"$uris" | grep -E '/debian/?$' | head -1 || true)}
  DEBIAN_SECURITY_MIRROR=${TROVE_DEBIAN_SECURITY_MIRROR:-$(grep -- '-security' <<<"$uris" | head -1 || true)}
  [ -n "$DEBIAN_MIRROR" ] || die "no Debian mirror in /etc/apt/sources.list*; set TROVE_DEBIAN_MIRROR"
  if [ "$DEBIAN_SECURITY_MIRROR" = none ]; then DEBIAN_SECURITY_MIRROR=""; fi
  [ -n "$DEBIAN_SECURITY_MIRROR" ] || say "warning: no Debian security mirror configured; the image gets no security updates"
}

# Removes a build tree that diskimage-builder may have left mounts in (a killed or failed build keeps
# /proc, /dev and the image's root mounted below it): unmounts everything below it, deepest first, then
# deletes without ever crossing into another filesystem, so a mount that will not go cannot be emptied.
remove_build_tree() {
  local dir=$1 target
  [ -e "$dir" ] || return 0
  dir=$(cd "$dir" && pwd -P)
  while IFS= read -r target; do
    umount "$target" 2>/dev/null || umount -l "$target" 2>/dev/null || say "warning: cannot unmount $target"
  done < <(findmnt -rn -o TARGET | awk -v d="$dir/" 'index($0, d) == 1' | sort -r)
  rm -rf --one-file-system "$dir" 2>/dev/null || say "warning: could not remove all of $dir"
}
