#!/usr/bin/env bash
# Install the Debian packages the test suite talks to, when they are missing: the real MQTT broker,
# pty pairs, the headless browser, CJK fonts for the renderer, systemd-analyze for the units and
# zbarimg (a second, independent QR decoder for the scan tests), and the voice's engine and
# playback (espeak-ng, aplay from alsa-utils; sox to measure the sound).
# Uses sudo when not root. Safe to run again: it installs only what is missing.
set -euo pipefail
PACKAGES=(mosquitto mosquitto-clients socat chromium fonts-noto-cjk unifont fonts-dejavu-core systemd openssl shellcheck zbar-tools espeak-ng alsa-utils sox)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "test-deps: all present (${PACKAGES[*]})"
  exit 0
fi
SUDO=()
[ "$(id -u)" -eq 0 ] || SUDO=(sudo)
echo "test-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The distribution's own broker service is not used: tests start theirs on a free loopback port.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then "${SUDO[@]}" systemctl disable --now mosquitto >/dev/null 2>&1 || true; fi
echo "test-deps: done"
