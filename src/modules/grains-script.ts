/**
 * The one POSIX-sh script behind grains.*: it prints raw facts as `key=value` lines (a key may
 * repeat for lists). Every probe tolerates a missing tool or /proc entry; grains-parse.ts maps
 * the facts to salt's grain names and types.
 */
export const GRAINS_SCRIPT = String.raw`exec 2>/dev/null
for f in /etc/os-release /usr/lib/os-release; do
  if [ -r "$f" ]; then sed -n 's/^\([A-Za-z0-9_]*\)=/osrel_\1=/p' "$f"; break; fi
done
echo "kernel=$(uname -s)"
echo "kernelrelease=$(uname -r)"
echo "kernelversion=$(uname -v)"
echo "cpuarch=$(uname -m)"
echo "nodename=$(uname -n)"
echo "cpu_model=$(awk '/^(model name|Processor|cpu model|cpu)[ \t]*:/ { sub(/^[^:]*:[ \t]*/, ""); print; exit }' /proc/cpuinfo)"
n=$(getconf _NPROCESSORS_ONLN) || n=''
[ -n "$n" ] || n=$(grep -c '^processor' /proc/cpuinfo)
echo "num_cpus=$n"
awk '/^MemTotal:/ { printf "mem_total=%d\n", $2 / 1024 } /^SwapTotal:/ { printf "swap_total=%d\n", $2 / 1024 }' /proc/meminfo
h=$(hostname) || h=''
[ -n "$h" ] || h=$(uname -n)
echo "localhost=$h"
fq=$(hostname -f) || fq=''
[ -n "$fq" ] || fq=$h
echo "fqdn=$fq"
if command -v ip >/dev/null; then
  ip -o -4 addr show | awk '{ split($4, a, "/"); print "ipv4=" a[1] }'
  ip -o -6 addr show | awk '{ split($4, a, "/"); print "ipv6=" a[1] }'
elif command -v ifconfig >/dev/null; then
  ifconfig -a | awk '
    $1 == "inet" { a = $2; sub(/^addr:/, "", a); print "ipv4=" a }
    $1 == "inet6" { a = $2; if (a == "addr:") a = $3; sub(/[\/%].*/, "", a); print "ipv6=" a }'
fi
s=$SHELL
[ -n "$s" ] || s=/bin/sh
echo "shell=$s"
echo "path=$PATH"
v=''
command -v systemd-detect-virt >/dev/null && v=$(systemd-detect-virt)
if [ -z "$v" ] || [ "$v" = none ]; then
  if [ -f /.dockerenv ] || grep -qa docker /proc/1/cgroup; then v=docker
  elif [ -f /run/.containerenv ]; then v=podman
  elif grep -qa 'container=lxc' /proc/1/environ; then v=lxc
  elif grep -q '^flags.* hypervisor' /proc/cpuinfo; then v=hypervisor
  fi
fi
echo "virt=$v"
[ -r /etc/machine-id ] && echo "machine_id=$(cat /etc/machine-id)"
echo "uid=$(id -u)"
echo "gid=$(id -g)"
echo "username=$(id -un)"
echo "groupname=$(id -gn)"
exit 0
`;
