#!/bin/sh
# The engines the backend tests start (tests/backends/conftest.py): PostgreSQL's server
# binaries (initdb, pg_ctl) and Java for Spark; and the browser of the end-to-end tests
# (tests/web/test_browser.py): Debian's Chromium. `make test` runs this before pytest.
#
# As root on Debian/Ubuntu, what is missing is installed with apt-get (quietly; nothing is
# done when both are present, so a second run costs nothing). Otherwise it only says what is
# missing: those tests then skip with the reason, or fail under CI=true.
# The Debian package may start a "main" cluster on port 5432; the tests do not use it, so it
# is stopped again (the tests start a private server of their own on a free port).
set -eu

missing=""
if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    missing="$missing postgresql"
fi
if ! command -v java >/dev/null 2>&1 && [ -z "${JAVA_HOME:-}" ]; then
    missing="$missing openjdk-17-jre-headless"
fi
if ! command -v chromium >/dev/null 2>&1 && [ -z "${SALESKPI_CHROMIUM:-}" ]; then
    missing="$missing chromium"
fi
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "note: not installed:$missing. Their tests (PostgreSQL, Spark, the browser) skip, and fail under CI=true." >&2
    echo "      Install as root: apt-get install -y$missing" >&2
    exit 0
fi

echo "installing for the backend and browser tests:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# shellcheck disable=SC2086 # word splitting of the package list is wanted
apt-get install -y -qq --no-install-recommends $missing >/dev/null
if command -v pg_lsclusters >/dev/null 2>&1; then
    pg_lsclusters -h 2>/dev/null | while read -r version name port status rest; do
        if [ "$status" = online ]; then pg_ctlcluster "$version" "$name" stop || true; fi
    done
fi
