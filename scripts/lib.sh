# Shared by scripts/lobby and scripts/test: find what is missing and install it (as root on
# Debian / Raspberry Pi OS) or say exactly what to install.

# Debian packages the project needs to build and test:
#   build-essential pkg-config   C compiler for rusqlite's bundled SQLite and other -sys crates
#   libfontconfig1-dev libfreetype-dev fonts-dejavu-core   Slint's text rendering (software renderer)
#   mosquitto mosquitto-clients  the broker used in tests and in production
#   dbus                         a private dbus-daemon for the D-Bus collector tests
#   chromium chromium-driver     the staff console's browser tests (headless, through WebDriver)
AULA_DEBIAN_PACKAGES=(build-essential pkg-config libfontconfig1-dev libfreetype-dev fonts-dejavu-core mosquitto mosquitto-clients dbus chromium chromium-driver)

aula_missing_packages() {
  local missing=()
  for p in "${AULA_DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  echo "${missing[@]:-}"
}

aula_ensure_system() {
  if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "note: not a Debian system; make sure these are installed: ${AULA_DEBIAN_PACKAGES[*]}" >&2
  else
    local missing
    missing=$(aula_missing_packages)
    if [ -n "$missing" ]; then
      if [ "$(id -u)" = 0 ]; then
        echo "Installing missing Debian packages: $missing" >&2
        apt-get update -qq >/dev/null
        # shellcheck disable=SC2086
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
      else
        echo "Missing Debian packages: $missing" >&2
        echo "Install them with:  sudo apt-get install -y $missing" >&2
        exit 1
      fi
    fi
  fi
  if ! command -v cargo >/dev/null 2>&1; then
    echo "Missing: the Rust toolchain (cargo, rustc >= 1.92)." >&2
    echo "Install it with:  curl https://sh.rustup.rs -sSf | sh   (or apt-get install cargo on a recent Debian)" >&2
    exit 1
  fi
  local have
  have=$(rustc --version | awk '{print $2}')
  if [ "$(printf '%s\n1.92.0\n' "$have" | sort -V | head -1)" != "1.92.0" ]; then
    echo "Rust $have is too old: Aula needs 1.92 or newer (rustup update stable)." >&2
    exit 1
  fi
}
