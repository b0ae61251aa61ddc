#!/usr/bin/env bash
# Install tillqr on Raspberry Pi OS Bookworm (run as root from a built checkout or an unpacked
# release: package.json, dist/, node_modules/):
#
#   sudo device/install.sh                  # install this tree as the first release
#   sudo device/install.sh tillqr-1.2.0.tar.gz   # or a release artifact (the same tar.gz updates use)
#
# What it does, each step idempotent (running it again changes nothing):
#   user and groups, directories, fonts (device/fonts.txt), Node.js >= 20 check, config.txt lines
#   (device/config.txt, between "# BEGIN tillqr" / "# END tillqr"), the g_serial module, udev
#   rules, the systemd unit, and the first release with its `current` and `committed` links
#   (an existing release is never replaced: later releases come as signed updates).
#
# ROOT=/some/dir installs into a fake tree instead of / (tests): system commands (useradd, apt-get,
# chown, systemctl, udevadm) are then only listed in $ROOT/install-skipped.log.
set -euo pipefail

ROOT="${ROOT:-}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TREE="$(dirname "$HERE")"
USER_NAME=tillqr
PREFIX="$ROOT/opt/tillqr"
ETC="$ROOT/etc/tillqr"
STATE="$ROOT/var/lib/tillqr"
ARTIFACT="${1:-}"

say() { printf 'tillqr install: %s\n' "$*"; }
die() { printf 'tillqr install: error: %s\n' "$*" >&2; exit 1; }

# System-wide commands run for real only when installing into /.
sys() {
  if [[ -n "$ROOT" ]]; then
    printf '%s\n' "$*" >>"$ROOT/install-skipped.log.tmp"
  else
    "$@"
  fi
}

if [[ -z "$ROOT" && "$(id -u)" -ne 0 ]]; then die "run as root (sudo $0)"; fi
if [[ -n "$ROOT" ]]; then mkdir -p "$ROOT"; : >"$ROOT/install-skipped.log.tmp"; fi

# --- Node.js ------------------------------------------------------------------------------
command -v node >/dev/null 2>&1 || die "Node.js is not installed (need 20 or newer: apt-get install nodejs from NodeSource or Debian backports)"
node_major="$(node -p 'process.versions.node.split(".")[0]')"
[[ "$node_major" -ge 20 ]] || die "Node.js $(node --version) is too old; tillqr needs 20 or newer"
say "Node.js $(node --version)"

# --- user and groups ----------------------------------------------------------------------
for g in gpio spi dialout video "$USER_NAME"; do
  if [[ -n "$ROOT" ]] || ! getent group "$g" >/dev/null; then sys groupadd --system "$g"; fi
done
if [[ -n "$ROOT" ]] || ! id "$USER_NAME" >/dev/null 2>&1; then
  sys useradd --system --gid "$USER_NAME" --home-dir /var/lib/tillqr --no-create-home --shell /usr/sbin/nologin "$USER_NAME"
fi
sys usermod -a -G gpio,spi,dialout,video "$USER_NAME"

# --- directories --------------------------------------------------------------------------
install -d -m 0755 "$PREFIX" "$PREFIX/releases"
install -d -m 0700 "$ETC" "$STATE"
sys chown -R "$USER_NAME:$USER_NAME" "$PREFIX" "$ETC" "$STATE"

# --- fonts --------------------------------------------------------------------------------
if [[ -f "$HERE/fonts.txt" ]]; then
  mapfile -t fonts < <(grep -v '^[[:space:]]*#' "$HERE/fonts.txt" | tr -s ' \t' '\n' | grep -v '^$' || true)
  missing=()
  for p in "${fonts[@]}"; do
    if [[ -n "$ROOT" ]] || ! dpkg -s "$p" >/dev/null 2>&1; then missing+=("$p"); fi
  done
  if [[ ${#missing[@]} -gt 0 ]]; then sys apt-get install -y --no-install-recommends "${missing[@]}"; fi
fi

# --- config.txt ---------------------------------------------------------------------------
bootcfg="$ROOT/boot/firmware/config.txt"
[[ -f "$bootcfg" || ! -f "$ROOT/boot/config.txt" ]] || bootcfg="$ROOT/boot/config.txt"
mkdir -p "$(dirname "$bootcfg")"
touch "$bootcfg"
block="$(mktemp)"
trap 'rm -f "$block"' EXIT
{
  echo '# BEGIN tillqr (device/install.sh rewrites this block; edit device/config.txt instead)'
  grep -v '^[[:space:]]*#' "$HERE/config.txt" | grep -v '^[[:space:]]*$'
  echo '# END tillqr'
} >"$block"
newcfg="$bootcfg.tillqr.tmp"
awk -v blockfile="$block" '
  BEGIN { while ((getline line < blockfile) > 0) b = b line "\n"; inblock = 0; done = 0 }
  /^# BEGIN tillqr/ { if (!done) { printf "%s", b; done = 1 } inblock = 1; next }
  /^# END tillqr/ { inblock = 0; next }
  !inblock { print }
  END { if (!done) printf "%s", b }
' "$bootcfg" >"$newcfg"
if cmp -s "$newcfg" "$bootcfg"; then rm -f "$newcfg"; else mv "$newcfg" "$bootcfg"; say "updated $bootcfg (reboot to apply)"; fi

install -d -m 0755 "$ROOT/etc/modules-load.d"
printf 'g_serial\n' >"$ROOT/etc/modules-load.d/tillqr.conf.tmp"
mv "$ROOT/etc/modules-load.d/tillqr.conf.tmp" "$ROOT/etc/modules-load.d/tillqr.conf"

# --- udev rules and the unit --------------------------------------------------------------
install -d -m 0755 "$ROOT/etc/udev/rules.d" "$ROOT/etc/systemd/system"
for f in "$HERE"/udev/*.rules; do install -m 0644 "$f" "$ROOT/etc/udev/rules.d/$(basename "$f")"; done
sys udevadm control --reload-rules
install -m 0644 "$TREE/systemd/tillqr.service" "$ROOT/etc/systemd/system/tillqr.service"
sys systemctl daemon-reload
sys systemctl enable tillqr.service

# --- the first release --------------------------------------------------------------------
src="$TREE"
unpacked=""
if [[ -n "$ARTIFACT" ]]; then
  [[ -f "$ARTIFACT" ]] || die "no such artifact: $ARTIFACT"
  unpacked="$(mktemp -d)"
  trap 'rm -f "$block"; rm -rf "$unpacked"' EXIT
  tar -xzf "$ARTIFACT" -C "$unpacked" --no-same-owner --no-same-permissions
  src="$unpacked"
fi
[[ -f "$src/package.json" && -f "$src/dist/src/cli/tillqr.js" ]] || die "$src is not a built release (package.json and dist/src/cli/tillqr.js; run npm run build first)"
version="$(node -p 'require(process.argv[1]).version' "$src/package.json")"
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.+-]+)?$ ]] || die "package.json version $version is not a release version"
dest="$PREFIX/releases/$version"
if [[ -d "$dest" ]]; then
  say "release $version is already installed"
else
  tmp="$PREFIX/releases/.$version.install.tmp"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  for part in package.json dist node_modules assets device systemd README.md; do
    if [[ -e "$src/$part" ]]; then cp -a "$src/$part" "$tmp/"; fi
  done
  mv "$tmp" "$dest"
  sys chown -R "$USER_NAME:$USER_NAME" "$dest"
  say "installed release $version"
fi
for link in current committed; do
  if [[ ! -L "$PREFIX/$link" ]]; then
    ln -s "releases/$version" "$PREFIX/$link.tmp"
    mv -T "$PREFIX/$link.tmp" "$PREFIX/$link"
    say "$link -> releases/$version"
  fi
done

if [[ -n "$ROOT" ]]; then mv "$ROOT/install-skipped.log.tmp" "$ROOT/install-skipped.log"; fi
say "done. Provision the device (tillqr config, or the serial console), then: systemctl start tillqr"
