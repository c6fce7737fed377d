#!/usr/bin/env bash
# Shared by the two README commands: the Debian packages they need, installed with apt-get (as root, or through
# sudo) when missing. Usage: source scripts/system.sh; need=(); dashboard_needs; install_needed "${need[@]}"

# What the dashboard itself needs from the system: Chromium and a font for the image exports (PNG, PDF, PPTX
# slides); the map and the data exports work without them.
dashboard_needs() {
  [ -x /usr/bin/chromium ] || need+=(chromium)
  [ -d /usr/share/fonts/truetype/dejavu ] || need+=(fonts-dejavu-core)
}

install_needed() {
  [ $# -gt 0 ] || return 0
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "Installing system packages: $*"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@"
}
