#!/bin/sh
# prerm of fiskaldesk-server: stop the service before its binary goes.
set -e
if [ -d /run/systemd/system ] && [ "$1" = "remove" ]; then
    deb-systemd-invoke stop fiskaldesk.service >/dev/null || true
fi
exit 0
