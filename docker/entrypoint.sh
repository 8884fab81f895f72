#!/bin/sh
# Entrypoint of the fiscalscan image: runs `fiscalscan "$@"` unprivileged, as the user who owns the output
# folder, so that `docker run -v "$PWD/out:/out" ...` works as written and the host user can read, move and
# delete the results (folders 0755, files 0644 under the default umask 022).
#
# - Started with --user (not root): runs fiscalscan as that user, nothing else.
# - The output folder (the value of --out / -o / --report, else /out) is owned by a user: runs as that user.
# - It is owned by root and empty (Docker created it for the -v mount): it is given to the owner of the input
#   folder (the /in mount: the host user's scans), else to the image's user fiscalscan (uid 10001).
# - It is owned by root and not empty (the host user is root): runs as root.
set -eu

BIN="${FISCALSCAN_BIN:-fiscalscan}"
IN="${FISCALSCAN_IN:-/in}"
APP_UID="${FISCALSCAN_UID:-10001}"

if [ "$(id -u)" != "0" ]; then
    exec "$BIN" "$@"
fi

out=""
prev=""
for arg in "$@"; do
    case "$prev" in
        --out|-o|--report) out="$arg" ;;
    esac
    case "$arg" in
        --out=*|--report=*) out="${arg#*=}" ;;
    esac
    prev="$arg"
done
out="${out:-${FISCALSCAN_OUT:-/out}}"
mkdir -p "$out"

uid=$(stat -c %u "$out")
gid=$(stat -c %g "$out")
if [ "$uid" = "0" ]; then
    if [ -n "$(ls -A "$out")" ]; then
        exec "$BIN" "$@"
    fi
    if [ -d "$IN" ] && [ "$(stat -c %u "$IN")" != "0" ]; then
        uid=$(stat -c %u "$IN")
        gid=$(stat -c %g "$IN")
    else
        uid="$APP_UID"
        gid="$APP_UID"
    fi
    chown "$uid:$gid" "$out"
fi
if [ "$uid" = "$APP_UID" ] && [ -d /home/fiscalscan ]; then
    export HOME=/home/fiscalscan
else
    export HOME=/tmp
fi
exec setpriv --reuid="$uid" --regid="$gid" --clear-groups -- "$BIN" "$@"
