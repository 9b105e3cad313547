#!/bin/sh
# postrm of fiskaldesk-server. The data in /var/lib/fiskaldesk is never
# deleted, not even on purge: it holds signed transactions and TSE logs
# that must be kept for the statutory retention period (10 years).
set -e
if [ -d /run/systemd/system ]; then
    systemctl --system daemon-reload >/dev/null || true
fi
if [ "$1" = "remove" ] && command -v deb-systemd-helper >/dev/null; then
    deb-systemd-helper mask fiskaldesk.service >/dev/null || true
fi
if [ "$1" = "purge" ]; then
    if command -v deb-systemd-helper >/dev/null; then
        deb-systemd-helper purge fiskaldesk.service >/dev/null || true
        deb-systemd-helper unmask fiskaldesk.service >/dev/null || true
    fi
    if [ -d /var/lib/fiskaldesk ]; then
        echo "fiskaldesk-server: /var/lib/fiskaldesk is kept (fiscal records); delete it yourself when the retention period is over." >&2
    fi
fi
exit 0
