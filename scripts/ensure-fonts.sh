#!/usr/bin/env bash
# Figures with --lang zh need a font with Chinese glyphs, and the tests draw them. Debian's
# fonts-wqy-microhei (WenQuanYi Micro Hei, 5 MB) has TrueType outlines, so PDFs embed it as
# TrueType (Type 42; the CFF-flavoured Noto CJK fonts would not be). Install it when no CJK font is
# known to fontconfig (as root); otherwise say what to install and carry on: --lang zh then falls
# back to English labels with a message.
set -euo pipefail
if command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=zh family 2>/dev/null)" ]; then
  exit 0
fi
if [ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "note: no font with Chinese glyphs; --lang zh figures fall back to English and their tests fail." >&2
  echo "      install one: sudo apt-get install -y fonts-wqy-microhei (or fonts-noto-cjk)" >&2
  exit 0
fi
echo "installing Debian's fonts-wqy-microhei for --lang zh figures ..."
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-microhei >/dev/null
