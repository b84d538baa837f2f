#!/bin/sh
# What the integration tests need on this machine: OpenSSH's sshd and client, sudo, iproute2 (ip netns
# for the jump-host tests) and a MariaDB that answers. Installs them with apt as root when missing.
set -eu
export DEBIAN_FRONTEND=noninteractive

missing=""
[ -x /usr/sbin/sshd ] || missing="$missing openssh-server"
command -v ssh-keygen >/dev/null 2>&1 || missing="$missing openssh-client"
command -v sudo >/dev/null 2>&1 || missing="$missing sudo"
command -v ip >/dev/null 2>&1 || missing="$missing iproute2"
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
