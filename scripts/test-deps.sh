#!/usr/bin/env bash
# Install the Debian packages the test suite talks to, when they are missing: the real MQTT broker,
# pty pairs, the headless browser, CJK fonts for the renderer, systemd-analyze for the units and
# zbarimg (a second, independent QR decoder for the scan tests), and the voice's engine and
# playback (espeak-ng, aplay from alsa-utils; sox to measure the sound); RabbitMQ (its MQTT plugin:
# the clustered-broker suite starts a 3-node cluster of its own; the system service is disabled).
# The cross compilers for arm64 and armhf are here too: the release tests build artifacts
# (tools/release). `--target` adds what the emulated Raspberry Pi OS suite needs (debootstrap,
# qemu-user-static, binfmt-support: npm run test:target); `--release` is accepted for the docs'
# "build a release" step and installs the same as no flag.
# Uses sudo when not root. Safe to run again: it installs only what is missing.
set -euo pipefail
PACKAGES=(mosquitto mosquitto-clients socat chromium fonts-noto-cjk unifont fonts-dejavu-core systemd openssl shellcheck zbar-tools espeak-ng alsa-utils sox rabbitmq-server g++-aarch64-linux-gnu g++-arm-linux-gnueabihf)
for arg in "$@"; do
  case "$arg" in
    --target) PACKAGES+=(debootstrap qemu-user-static binfmt-support) ;;
    --release) ;;
    *) echo "test-deps: unknown option $arg (known: --target, --release)" >&2; exit 64 ;;
  esac
done
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
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then "${SUDO[@]}" systemctl disable --now mosquitto >/dev/null 2>&1 || true; "${SUDO[@]}" systemctl disable --now rabbitmq-server >/dev/null 2>&1 || true; fi
echo "test-deps: done"
