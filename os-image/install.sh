#!/usr/bin/env bash
# Installs Aula binaries and one systemd unit on a Raspberry Pi OS / Debian machine.
# Usage: sudo os-image/install.sh hub|kiosk|signage|agent
set -euo pipefail
role=${1:?usage: install.sh hub|kiosk|signage|agent}
here=$(cd "$(dirname "$0")" && pwd)
bin="$here/../target/release/aula-$role"
[ -x "$bin" ] || { echo "missing $bin: run 'cargo build --release -p aula-$role' first" >&2; exit 1; }
[ -f "/etc/aula/$role.toml" ] || { echo "missing /etc/aula/$role.toml: copy one from config/ and edit it" >&2; exit 1; }
id aula >/dev/null 2>&1 || useradd --system --home /var/lib/aula --shell /usr/sbin/nologin aula
install -m 0755 "$bin" /usr/local/bin/
install -m 0644 "$here/systemd/aula-$role.service" /etc/systemd/system/
# The hub's "reboot" command goes through logind; polkit must allow the aula user.
if [ -d /etc/polkit-1/rules.d ]; then
    install -m 0644 "$here/polkit/50-aula-reboot.rules" /etc/polkit-1/rules.d/
fi
systemctl daemon-reload
systemctl enable --now "aula-$role.service"
echo "aula-$role installed and started; logs: journalctl -u aula-$role -f"
