#!/usr/bin/env bash
# Installs the Debian packages infocity needs, only those missing.
#   demo: Python's venv module and LibreOffice Writer and Calc (read .doc/.wps and .et submissions)
#   test: the same plus CJK fonts, so LibreOffice prints Chinese test documents as cities do,
#         and PostgreSQL's server binaries (the tests start a throwaway cluster when no server
#         is reachable, and stop one mid-ingest) with the rum extension (ranked search),
#         Chromium for the web app's end-to-end test (driven by Playwright through its
#         executable path; no browser is downloaded), and Redis and RabbitMQ for the
#         queued-ingest tests (started there when not running)
set -euo pipefail
purpose="${1:-demo}"
need=()
python3 -c 'import venv, ensurepip' 2>/dev/null || need+=(python3-venv)
command -v soffice >/dev/null 2>&1 || need+=(libreoffice-writer-nogui)
ls /usr/lib/libreoffice/program/libsclo.so >/dev/null 2>&1 || need+=(libreoffice-calc-nogui)
if [ "$purpose" = test ]; then
  if ! { command -v fc-list >/dev/null 2>&1 && fc-list :lang=zh | grep -q .; }; then
    need+=(fonts-noto-cjk)
  fi
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
  # The rum index of PostgreSQL search (tests check it is created and used), for the server's
  # major version (Debian 12: 15).
  pg_major=$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1)
  ls /usr/share/postgresql/*/extension/rum.control >/dev/null 2>&1 \
    || need+=("postgresql-${pg_major:-15}-rum")
  [ -x /usr/bin/chromium ] || need+=(chromium)
  # Brokers of the queued-ingest tests (issue 20): started by the tests when not running.
  command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
  [ -x /usr/sbin/rabbitmq-server ] || need+=(rabbitmq-server)
fi
[ ${#need[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -ne 0 ] && sudo=sudo
echo "installing: ${need[*]}" >&2
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${need[@]}"
