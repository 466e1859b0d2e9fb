# shellcheck shell=bash
# Progress lines for images/guest/build: "[guest-image  42s] message" on stderr.
_guest_t0=$SECONDS
say() { printf '[guest-image %4ds] %s\n' $((SECONDS - _guest_t0)) "$*" >&2; }
die() { printf '[guest-image %4ds] ERROR: %s\n' $((SECONDS - _guest_t0)) "$*" >&2; exit 1; }
