#!/bin/sh
# What the integration tests need on this machine: OpenSSH's sshd and client, sudo, iproute2 (ip netns
# for the jump-host tests), the returner test servers (memcached, etcd, InfluxDB, carbon, rsyslog; each
# test starts its own on loopback) and MariaDB, PostgreSQL and Redis that answer. Installs with apt as
# root when missing.
set -eu
export DEBIAN_FRONTEND=noninteractive

missing=""
[ -x /usr/sbin/sshd ] || missing="$missing openssh-server"
command -v ssh-keygen >/dev/null 2>&1 || missing="$missing openssh-client"
command -v sudo >/dev/null 2>&1 || missing="$missing sudo"
command -v ip >/dev/null 2>&1 || missing="$missing iproute2"
command -v logger >/dev/null 2>&1 || missing="$missing bsdutils"
command -v memcached >/dev/null 2>&1 || missing="$missing memcached"
command -v etcd >/dev/null 2>&1 || missing="$missing etcd-server"
command -v influxd >/dev/null 2>&1 || missing="$missing influxdb"
command -v carbon-cache >/dev/null 2>&1 || missing="$missing graphite-carbon"
command -v whisper-fetch >/dev/null 2>&1 || missing="$missing python3-whisper"
command -v rsyslogd >/dev/null 2>&1 || missing="$missing rsyslog"
command -v sqlite3 >/dev/null 2>&1 || missing="$missing sqlite3"
if [ -n "$missing" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "test-deps: missing packages:$missing (run the tests as root, or: sudo apt-get install$missing)" >&2
    exit 1
  fi
  apt-get update -qq
  # shellcheck disable=SC2086 # one word per package
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
[ "$(id -u)" -ne 0 ] || mkdir -p /run/sshd

# MariaDB is started with the machine; start it again only if it is not answering.
if ! mysqladmin --connect-timeout=5 ping >/dev/null 2>&1; then
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
  for _ in $(seq 1 60); do mysqladmin --connect-timeout=2 ping >/dev/null 2>&1 && break; sleep 1; done
  mysqladmin --connect-timeout=2 ping >/dev/null 2>&1 || { echo "test-deps: MariaDB does not answer" >&2; exit 1; }
fi

# PostgreSQL and Redis are started with the machine too; the same commands start one that has stopped.
if ! pg_isready -q -h 127.0.0.1 -t 5; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
  for _ in $(seq 1 60); do pg_isready -q -h 127.0.0.1 -t 2 && break; sleep 1; done
  pg_isready -q -h 127.0.0.1 -t 2 || { echo "test-deps: PostgreSQL does not answer on 127.0.0.1:5432" >&2; exit 1; }
fi
if ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && break; sleep 1; done
  redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 || { echo "test-deps: Redis does not answer on 127.0.0.1:6379" >&2; exit 1; }
fi
