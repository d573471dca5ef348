#!/usr/bin/env bash
# Install what fusetrace needs to build, test and demo, from Debian's archive.
# Idempotent; runs apt-get only when something is missing.
set -euo pipefail

packages=(
  build-essential pkg-config meson ninja-build python3
  libfuse3-dev fuse3
  liblttng-ust-dev lttng-tools babeltrace2 libbabeltrace2-dev
  libsqlite3-dev sqlite3
  libtracefs-dev libtraceevent-dev
  libncurses-dev tmux lnav
  attr acl git make tar rsync util-linux procps psmisc e2fsprogs time
  clang libclang-rt-14-dev cppcheck clang-tidy
  valgrind
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: need root to install packages" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
