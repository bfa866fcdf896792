#!/bin/sh
# Installs p2pchat: downloads this machine's executable and SHA256SUMS from a
# GitHub release, checks the checksum, and puts the executable in ~/.local/bin.
#
#   curl -fsSL https://github.com/p2pchat/p2pchat/releases/latest/download/install.sh | sh
#
# Settings, all optional, from the environment:
#   P2PCHAT_VERSION      a release tag such as v0.2.0 (default: the latest release)
#   P2PCHAT_INSTALL_DIR  where to put `p2pchat` (default: ~/.local/bin)
#   P2PCHAT_REPO         the GitHub repository, owner/name
#   P2PCHAT_BASE_URL     the folder holding the release's files, instead of GitHub
#                        (a mirror, or a local server in the tests)
# Nothing is installed unless the checksum matches.
set -eu

# The release workflow writes the repository's own name here.
REPO="${P2PCHAT_REPO:-p2pchat/p2pchat}"
VERSION="${P2PCHAT_VERSION:-}"
INSTALL_DIR="${P2PCHAT_INSTALL_DIR:-${HOME:?HOME is not set; set P2PCHAT_INSTALL_DIR}/.local/bin}"

say() { printf '%s\n' "$*"; }
fail() {
  printf 'p2pchat install: %s\n' "$*" >&2
  exit 1
}

# Where the release's files are.
if [ -n "${P2PCHAT_BASE_URL:-}" ]; then
  BASE_URL="${P2PCHAT_BASE_URL%/}"
elif [ -n "$VERSION" ]; then
  case "$VERSION" in v*) ;; *) VERSION="v$VERSION" ;; esac
  BASE_URL="https://github.com/$REPO/releases/download/$VERSION"
else
  BASE_URL="https://github.com/$REPO/releases/latest/download"
fi

# This machine: p2pchat-<os>-<arch>.
os=$(uname -s)
arch=$(uname -m)
case "$os" in
  Linux) os=linux ;;
  Darwin) os=darwin ;;
  MINGW* | MSYS* | CYGWIN* | Windows_NT)
    fail "this script installs on Linux and macOS. On Windows, download p2pchat-windows-x64.exe from $BASE_URL/p2pchat-windows-x64.exe (and SHA256SUMS beside it to check it), then run \`p2pchat-windows-x64.exe serve\` in a terminal."
    ;;
  *) fail "there is no p2pchat build for $os ($arch): there are builds for Linux and macOS (x64, arm64) and Windows (x64)." ;;
esac
case "$arch" in
  x86_64 | amd64 | x64) arch=x64 ;;
  aarch64 | arm64 | armv8*) arch=arm64 ;;
  *) fail "there is no p2pchat build for $arch on $os: there are builds for x64 (x86_64, amd64) and arm64 (aarch64)." ;;
esac
# A shell under Rosetta says x86_64 on Apple silicon: take the native build.
if [ "$os" = darwin ] && [ "$arch" = x64 ] && [ "$(sysctl -n sysctl.proc_translated 2>/dev/null || true)" = 1 ]; then
  arch=arm64
fi
NAME="p2pchat-$os-$arch"

# The tools, chosen before anything is downloaded.
if command -v curl >/dev/null 2>&1; then
  fetcher=curl
elif command -v wget >/dev/null 2>&1; then
  fetcher=wget
else
  fail "neither curl nor wget is installed: install one of them and run this again."
fi
if command -v sha256sum >/dev/null 2>&1; then
  summer=sha256sum
elif command -v shasum >/dev/null 2>&1; then
  summer=shasum
else
  fail "cannot check the download: neither sha256sum nor shasum is installed. Nothing installed."
fi

download() { # URL FILE
  if [ "$fetcher" = curl ]; then
    curl -fsSL --retry 2 -o "$2" "$1"
  else
    wget -q -O "$2" "$1"
  fi
}

sha256() { # FILE
  if [ "$summer" = sha256sum ]; then
    sha256sum "$1" | awk '{ print tolower($1) }'
  else
    shasum -a 256 "$1" | awk '{ print tolower($1) }'
  fi
}

TMP=$(mktemp -d 2>/dev/null || mktemp -d -t p2pchat)
PARTIAL=""
cleanup() {
  rm -rf "$TMP"
  if [ -n "$PARTIAL" ]; then rm -f "$PARTIAL"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say "downloading $NAME from $BASE_URL"
download "$BASE_URL/$NAME" "$TMP/$NAME" || fail "could not download $BASE_URL/$NAME"
download "$BASE_URL/SHA256SUMS" "$TMP/SHA256SUMS" || fail "could not download $BASE_URL/SHA256SUMS"

# A line of SHA256SUMS: "<sha256>  <name>" (or "*<name>" in binary mode).
expected=$(awk -v f="$NAME" '$2 == f || $2 == "*" f { print tolower($1); exit }' "$TMP/SHA256SUMS")
[ -n "$expected" ] || fail "SHA256SUMS has no line for $NAME: nothing installed."
actual=$(sha256 "$TMP/$NAME")
[ -n "$actual" ] || fail "could not compute the checksum of $NAME: nothing installed."
if [ "$actual" != "$expected" ]; then
  fail "checksum mismatch for $NAME: SHA256SUMS says $expected, the download is $actual. Nothing installed."
fi

# Into the folder under a temporary name, then renamed: a running p2pchat is
# replaced whole, and an interrupted install leaves no half-written file.
mkdir -p "$INSTALL_DIR" || fail "cannot create $INSTALL_DIR"
TARGET="$INSTALL_DIR/p2pchat"
HAD=""
[ -e "$TARGET" ] && HAD=1
PARTIAL="$INSTALL_DIR/.p2pchat.$$.partial"
cp "$TMP/$NAME" "$PARTIAL" || fail "cannot write to $INSTALL_DIR"
chmod 755 "$PARTIAL"
# It must run here before it replaces anything (a build for another libc, a
# folder mounted noexec): a p2pchat already installed stays as it was.
if ! version=$("$PARTIAL" --version 2>&1); then
  fail "$NAME does not run on this machine: $version. Nothing installed${HAD:+ (your p2pchat is unchanged)}."
fi
mv -f "$PARTIAL" "$TARGET" || fail "cannot write $TARGET"
PARTIAL=""
say "installed $TARGET: $version"

case ":${PATH:-}:" in
  *":$INSTALL_DIR:"*)
    say "run \`p2pchat serve\` to start your node; \`p2pchat service install\` keeps it running."
    ;;
  *)
    shell=$(basename "${SHELL:-sh}")
    case "$shell" in
      zsh) rc="${HOME:-}/.zshrc" ;;
      bash) if [ "$os" = darwin ]; then rc="${HOME:-}/.bash_profile"; else rc="${HOME:-}/.bashrc"; fi ;;
      *) rc="${HOME:-}/.profile" ;;
    esac
    say ""
    say "$INSTALL_DIR is not on your PATH. To add it:"
    if [ "$shell" = fish ]; then
      say "  fish_add_path '$INSTALL_DIR'"
    else
      say "  echo 'export PATH=\"$INSTALL_DIR:\$PATH\"' >> \"$rc\" && . \"$rc\""
    fi
    say "or run it as $TARGET"
    ;;
esac
