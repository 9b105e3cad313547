#!/bin/sh
# postinst of fiskaldesk-server: its own system user, then the service
# enabled and started the way debhelper's snippets do it.
set -e

if [ "$1" = "configure" ]; then
    if ! getent passwd fiskaldesk >/dev/null; then
        adduser --system --group --quiet --home /var/lib/fiskaldesk --no-create-home \
            --gecos "fiskaldesk server" fiskaldesk
    fi
    # systemd's StateDirectory= creates it too; this covers a first start
    # by hand (sudo -u fiskaldesk fiskaldesk serve ...).
    install -d -o fiskaldesk -g fiskaldesk -m 0700 /var/lib/fiskaldesk
fi

if [ "$1" = "configure" ] || [ "$1" = "abort-upgrade" ] || [ "$1" = "abort-deconfigure" ] || [ "$1" = "abort-remove" ]; then
    if command -v deb-systemd-helper >/dev/null; then
        deb-systemd-helper unmask fiskaldesk.service >/dev/null || true
        # was-enabled is true on a fresh install (so it is enabled); an
        # upgrade keeps what the administrator chose.
        if deb-systemd-helper --quiet was-enabled fiskaldesk.service; then
            deb-systemd-helper enable fiskaldesk.service >/dev/null || true
        else
            deb-systemd-helper update-state fiskaldesk.service >/dev/null || true
        fi
    fi
    if [ -d /run/systemd/system ]; then
        systemctl --system daemon-reload >/dev/null || true
        if [ -n "$2" ]; then
            deb-systemd-invoke restart fiskaldesk.service >/dev/null || true
        else
            deb-systemd-invoke start fiskaldesk.service >/dev/null || true
        fi
    fi
fi
exit 0
