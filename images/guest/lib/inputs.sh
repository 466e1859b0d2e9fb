# shellcheck shell=bash
# shellcheck disable=SC2154 # globals of images/guest/build
# The inputs of a guest image, as a manifest whose hash names the image. Same manifest, same image: the
# build is skipped. Sourced by the build script; uses its globals (repo, here, options).

# Hash of a directory tree: every file's path, mode and content, every symlink's target. $2 names a
# top-level file left out (e.g. one holding a build time).
tree_hash() {
  (
    cd "$1" || exit 1
    export LC_ALL=C
    local skip="./${2:-.}"
    find . \( -type f -o -type l \) ! -path "$skip" -printf '%y %m %p -> %l\n' | sort
    find . -type f ! -path "$skip" -print0 | sort -z | xargs -0 -r sha256sum
  ) | sha256sum | cut -d' ' -f1
}

# Prints the manifest. Lines are "name value"; the order is fixed.
inputs_manifest() {
  printf 'format 1\n'
  printf 'build-script %s\n' "$(cat "$here/build" "$here"/lib/*.sh | sha256sum | cut -d' ' -f1)"
  printf 'package-list %s\n' "$(packages_csv)"
  printf 'elements %s\n' "$(tree_hash "$repo/dib-elements")"
  printf 'agent %s\n' "$(tree_hash "$bundle_dir/app" BUILD-INFO.json)"
  printf 'node %s %s\n' "$("$node_bin" --version)" "$(sha256sum < "$node_bin" | cut -d' ' -f1)"
  printf 'dev-mode %s\n' "$dev_mode"
  printf 'datasources %s\n' "$datasources"
  printf 'release %s\n' "$release"
  printf 'extra-size %s\n' "${extra_size:-auto}"
  printf 'diskimage-builder %s\n' "$(dpkg-query -W -f='${Version}' python3-diskimage-builder 2>/dev/null || disk-image-create --version 2>/dev/null || echo unknown)"
  local line
  for line in "${preload_lines[@]}"; do printf 'preload %s\n' "${line#* }"; done
}

# The Debian packages of images/guest/packages.list, comma separated (comments and blanks dropped).
packages_csv() {
  sed -e 's/#.*//' -e 's/[[:space:]]//g' "$here/packages.list" | grep -v '^$' | paste -sd, -
}
