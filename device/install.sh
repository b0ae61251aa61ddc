#!/usr/bin/env bash
# Install tillqr on Raspberry Pi OS (Trixie or Bookworm), as root, from a release artifact
# (npm run release: tillqr-<version>-linux-<arch>.tar.gz) or from a built checkout (development):
#
#   sudo device/install.sh tillqr-1.4.0-linux-arm64.tar.gz   # a release artifact (the same file updates take)
#   sudo device/install.sh                                   # this tree (an unpacked artifact, or a checkout with dist/ and node_modules/)
#
# What it does, each step idempotent (running it again changes nothing):
#   refuses an artifact for another architecture, or one whose Node.js runtime this system cannot
#   give (a release either carries its runtime or names the system Node.js major and ABI it needs);
#   user and groups, directories, fonts (device/fonts.txt), config.txt lines (device/config.txt,
#   between "# BEGIN tillqr" / "# END tillqr"), the g_serial module, udev rules, the systemd unit,
#   /usr/local/bin/tillqr, and the first release with its `current` and `committed` links (an
#   existing release is never replaced: later releases come as signed updates). A runtime the
#   release carries goes to /opt/tillqr/runtimes/<id>/, shared by the releases that use it, with
#   the SHA-256 of the artifact member it came from (decision 0009): the first signed update that
#   keeps the runtime then fetches the application member only.
#
# VOICE=max98357a|hifiberry-dac|jack|usb also sets up sound for the voice (docs/hardware.md, "Sound"):
# espeak-ng and alsa-utils, the service user in group audio, and that output's config.txt line.
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
VOICE="${VOICE:-}"

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
case "$VOICE" in
  "" | max98357a | hifiberry-dac | jack | usb) ;;
  *) die "VOICE=$VOICE: use max98357a, hifiberry-dac, jack or usb (docs/hardware.md, \"Sound\")" ;;
esac

# --- the release to install --------------------------------------------------------------
src="$TREE"
unpacked=""
if [[ -n "$ARTIFACT" ]]; then
  [[ -f "$ARTIFACT" ]] || die "no such artifact: $ARTIFACT"
  unpacked="$(mktemp -d)"
  trap 'rm -rf "$unpacked"' EXIT
  tar -xzf "$ARTIFACT" -C "$unpacked" --no-same-owner --no-same-permissions
  src="$unpacked"
fi
[[ -f "$src/package.json" && -f "$src/dist/src/cli/tillqr.js" ]] || die "$src is not a built release (package.json and dist/src/cli/tillqr.js; run npm run release, or npm run build in a checkout)"

# A field of the release's package.json (written by tools/release/build.ts, one key per line).
field() { sed -n "s/^ *\"$1\": *\"\\{0,1\\}\\([^\",]*\\)\"\\{0,1\\},\\{0,1\\}$/\\1/p" "$src/package.json" | head -n 1; }

# --- architecture and Node.js -----------------------------------------------------------
want_arch="$(field debianArch)"
runtime_kind="$(field kind)"
if [[ -n "$want_arch" ]]; then
  host_arch="${TILLQR_HOST_ARCH:-$(dpkg --print-architecture 2>/dev/null || uname -m)}"
  if [[ "$want_arch" != "$host_arch" ]]; then
    die "this release is for $want_arch (linux-$(field arch)); this system is $host_arch: use the tillqr-<version>-linux-$( [[ "$host_arch" == amd64 ]] && echo x64 || echo "$host_arch").tar.gz artifact"
  fi
fi
if [[ "$runtime_kind" == bundled ]]; then
  node="$src/runtime/bin/node"
  [[ -x "$node" ]] || die "the release says it carries its runtime, but runtime/bin/node is missing"
  "$node" -e 0 2>/dev/null || die "the release's runtime/bin/node does not run on this system ($(uname -m))"
  say "Node.js $("$node" --version) (carried by the release)"
else
  node="$(command -v node || true)"
  [[ -z "$want_arch" || -z "$node" || "$node" == /usr/bin/node ]] || node=/usr/bin/node
  want_major="$(field nodeMajor)"
  want_abi="$(field nodeAbi)"
  hint="on Raspberry Pi OS Trixie: apt-get install nodejs; Bookworm has only Node.js 18: use Trixie, or the 64-bit system with the arm64 release (it carries its own Node.js)"
  [[ -n "$node" && -x "$node" ]] || die "Node.js is not installed (this release needs the system's Node.js ${want_major:-20} or newer; $hint)"
  node_major="$("$node" -p 'process.versions.node.split(".")[0]')"
  [[ "$node_major" -ge "${want_major:-20}" ]] || die "Node.js $("$node" --version) is too old; this release needs ${want_major:-20} or newer ($hint)"
  if [[ -n "$want_abi" ]]; then
    abi="$("$node" -p process.versions.modules)"
    [[ "$abi" == "$want_abi" ]] || die "Node.js $("$node" --version) has the addon ABI $abi; this release's addons are built for ABI $want_abi (Node.js $want_major)"
  fi
  say "Node.js $("$node" --version) (the system's, $node)"
fi
version="$("$node" -p 'require(process.argv[1]).version' "$src/package.json")"
[[ "$version" =~ ^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?$ ]] || die "package.json version $version is not a release version"
if [[ -f "$src/MANIFEST.sha256" ]]; then
  (cd "$src" && sha256sum --quiet --strict -c MANIFEST.sha256) || die "the release's files do not match its MANIFEST.sha256"
fi
# A bundled runtime carried as the artifact's last gzip member: its id, that member's SHA-256 and length.
runtime_id=""
runtime_sha=""
if [[ "$runtime_kind" == bundled && -d "$src/runtime" ]]; then
  runtime_id="$(field id)"
  runtime_sha="$(field sha256)"
  runtime_bytes="$(field bytes)"
  if [[ ! "$runtime_id" =~ ^[a-z0-9][a-z0-9._+-]{0,63}$ || ! "$runtime_sha" =~ ^[0-9a-f]{64}$ || ! "$runtime_bytes" =~ ^[0-9]+$ ]]; then
    runtime_id=""
  elif [[ -n "$ARTIFACT" ]]; then
    got="$(tail -c "$runtime_bytes" "$ARTIFACT" | sha256sum | cut -d ' ' -f 1)"
    [[ "$got" == "$runtime_sha" ]] || die "the artifact's last $runtime_bytes bytes are not the runtime member its package.json names (SHA-256 $runtime_sha)"
  fi
fi

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

# --- sound for the voice (VOICE=...) ------------------------------------------------------
if [[ -n "$VOICE" ]]; then
  voice_missing=()
  for p in espeak-ng alsa-utils; do
    if [[ -n "$ROOT" ]] || ! dpkg -s "$p" >/dev/null 2>&1; then voice_missing+=("$p"); fi
  done
  if [[ ${#voice_missing[@]} -gt 0 ]]; then sys apt-get install -y --no-install-recommends "${voice_missing[@]}"; fi
  sys usermod -a -G audio "$USER_NAME"
  if [[ "$VOICE" == jack ]]; then say "VOICE=jack: on a Pi 3 the jack and a passive buzzer share one PWM block; use an active buzzer (docs/hardware.md)"; fi
fi

# --- config.txt ---------------------------------------------------------------------------
bootcfg="$ROOT/boot/firmware/config.txt"
[[ -f "$bootcfg" || ! -f "$ROOT/boot/config.txt" ]] || bootcfg="$ROOT/boot/config.txt"
mkdir -p "$(dirname "$bootcfg")"
touch "$bootcfg"
block="$(mktemp)"
trap 'rm -f "$block"; rm -rf "$unpacked"' EXIT
{
  echo '# BEGIN tillqr (device/install.sh rewrites this block; edit device/config.txt instead)'
  # [all] first: the file may end in a model filter ([pi4], [cm4], ...) that would confine the
  # block; [all] last: the block's own filters ([pi5], [pi02]) must not confine what follows it.
  echo '[all]'
  grep -v '^[[:space:]]*#' "$HERE/config.txt" | grep -v '^[[:space:]]*$'
  if [[ -n "$VOICE" ]] && grep -q "^# voice=$VOICE: " "$HERE/config.txt"; then
    echo '[all]'
    sed -n "s/^# voice=$VOICE: //p" "$HERE/config.txt"
  fi
  echo '[all]'
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
if [[ -n "$ROOT" ]]; then sys udevadm control --reload-rules; else udevadm control --reload-rules 2>/dev/null || say "udev is not running here (a chroot?): the rules apply at the next boot"; fi
install -m 0644 "$TREE/systemd/tillqr.service" "$ROOT/etc/systemd/system/tillqr.service"
# systemd reads new units itself when it is not running yet (an image being built, a chroot).
if [[ -n "$ROOT" || -d /run/systemd/system ]]; then sys systemctl daemon-reload; else say "systemd is not running here (a chroot or an image): the unit is read at the next boot"; fi
sys systemctl enable tillqr.service

# --- the first release --------------------------------------------------------------------
# The shared runtime: put in place whole (a temporary name, then mv), never replaced. Fails (the
# release keeps its own copy) when runtimes/<id> holds that runtime from another member.
share_runtime() {
  local rdir="$PREFIX/runtimes/$runtime_id" rtmp="$PREFIX/runtimes/.$runtime_id.install.tmp" rec
  if [[ -d "$rdir" ]]; then
    rec="$(sed -n 's/^ *"sha256": *"\([0-9a-f]*\)".*$/\1/p' "$rdir/installed-from.json" 2>/dev/null | head -n 1)"
    if [[ "$rec" == "$runtime_sha" && -x "$rdir/bin/node" ]]; then return 0; fi
    say "runtimes/$runtime_id holds that runtime from another artifact; release $version keeps its own copy"
    return 1
  fi
  install -d -m 0755 "$PREFIX/runtimes"
  rm -rf "$rtmp"
  cp -a "$src/runtime" "$rtmp"
  printf '{\n  "id": "%s",\n  "sha256": "%s"\n}\n' "$runtime_id" "$runtime_sha" >"$rtmp/installed-from.json"
  chmod 0644 "$rtmp/installed-from.json"
  sync -f "$rtmp" 2>/dev/null || sync
  mv -T "$rtmp" "$rdir"
  sys chown -R "$USER_NAME:$USER_NAME" "$PREFIX/runtimes"
  say "runtime $runtime_id in runtimes/, shared by the releases that use it"
}

dest="$PREFIX/releases/$version"
if [[ -d "$dest" ]]; then
  say "release $version is already installed"
else
  tmp="$PREFIX/releases/.$version.install.tmp"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  for part in package.json dist node_modules bin assets device systemd README.md licenses.json MANIFEST.sha256; do
    if [[ -e "$src/$part" ]]; then cp -a "$src/$part" "$tmp/"; fi
  done
  if [[ -e "$src/runtime" ]]; then
    if [[ -n "$runtime_id" ]] && share_runtime; then ln -s "../../runtimes/$runtime_id" "$tmp/runtime"; else cp -a "$src/runtime" "$tmp/"; fi
  fi
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

# --- the tillqr command -----------------------------------------------------------------
install -d -m 0755 "$ROOT/usr/local/bin"
ln -sfn /opt/tillqr/current/bin/tillqr "$ROOT/usr/local/bin/tillqr.tmp"
mv -T "$ROOT/usr/local/bin/tillqr.tmp" "$ROOT/usr/local/bin/tillqr"

if [[ -n "$ROOT" ]]; then mv "$ROOT/install-skipped.log.tmp" "$ROOT/install-skipped.log"; fi
say "done. Provision the device (tillqr config, or the serial console), then: systemctl start tillqr"
if [[ -n "$VOICE" ]]; then say "voice: set voice.enabled true and voice.device (aplay -l lists the cards; docs/hardware.md, \"Sound\"), then check with: tillqr say --amount 1280 --lang ja"; fi
