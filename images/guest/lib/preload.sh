# shellcheck shell=bash
# shellcheck disable=SC2154 # globals of images/guest/build
# Datastore images to preload: `docker save` on this host, cached by image id. Sourced by the build script.

# Fills preload_lines with "<archive> <reference> <image id>" for each requested reference, exporting the
# archives into $work/preload (reused while the image id is unchanged).
export_preload_images() {
  preload_lines=()
  [ ${#preload_refs[@]} -gt 0 ] || return 0
  command -v docker >/dev/null || die "--preload-image needs the docker CLI and a running engine on this host"
  timeout 30 docker info >/dev/null 2>&1 || die "--preload-image: the Docker engine on this host does not answer"
  mkdir -p "$work/preload"
  local ref id name archive
  for ref in "${preload_refs[@]}"; do
    id=$(docker image inspect --format '{{.Id}}' "$ref" 2>/dev/null) ||
      die "--preload-image $ref: no such image on this host (build it first, e.g. make images)"
    name=$(printf '%s' "$ref" | tr -c 'A-Za-z0-9._-' '_')
    archive="$name-${id#sha256:}"
    archive="${archive:0:120}.tar.gz"
    if [ ! -s "$work/preload/$archive" ]; then
      say "saving $ref ($id) for preloading"
      docker save "$ref" | gzip -1 > "$work/preload/$archive.tmp" || die "docker save $ref failed"
      mv -f "$work/preload/$archive.tmp" "$work/preload/$archive"
    fi
    preload_lines+=("$archive $ref $id")
  done
}

# Makes the directory the trove-datastore-images element reads: images.list plus the archives.
stage_preload_dir() {
  local dir=$1 line archive
  mkdir -p "$dir"
  : > "$dir/images.list"
  for line in "${preload_lines[@]}"; do
    archive=${line%% *}
    ln -f "$work/preload/$archive" "$dir/$archive" 2>/dev/null || cp "$work/preload/$archive" "$dir/$archive"
    printf '%s\n' "$line" >> "$dir/images.list"
  done
}
