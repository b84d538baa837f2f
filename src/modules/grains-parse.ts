/** os-release `ID` → salt's `os` grain. */
const OS_BY_ID: Readonly<Record<string, string>> = {
  debian: 'Debian', ubuntu: 'Ubuntu', linuxmint: 'Mint', raspbian: 'Raspbian', devuan: 'Devuan', kali: 'Kali',
  pop: 'Pop', rhel: 'RedHat', centos: 'CentOS', fedora: 'Fedora', rocky: 'Rocky', almalinux: 'AlmaLinux',
  ol: 'OEL', amzn: 'Amazon', cloudlinux: 'CloudLinux', scientific: 'Scientific', sles: 'SUSE', sled: 'SUSE',
  opensuse: 'SUSE', 'opensuse-leap': 'SUSE', 'opensuse-tumbleweed': 'SUSE', arch: 'Arch', manjaro: 'Manjaro',
  endeavouros: 'EndeavourOS', alpine: 'Alpine', gentoo: 'Gentoo', void: 'Void', nixos: 'NixOS',
};

/** salt's `os` → `os_family`; an os not listed is its own family. */
const FAMILY_BY_OS: Readonly<Record<string, string>> = {
  Debian: 'Debian', Ubuntu: 'Debian', Mint: 'Debian', Raspbian: 'Debian', Devuan: 'Debian', Kali: 'Debian',
  Pop: 'Debian', RedHat: 'RedHat', CentOS: 'RedHat', Fedora: 'RedHat', Rocky: 'RedHat', AlmaLinux: 'RedHat',
  OEL: 'RedHat', Amazon: 'RedHat', CloudLinux: 'RedHat', Scientific: 'RedHat', SUSE: 'Suse', Arch: 'Arch',
  Manjaro: 'Arch', EndeavourOS: 'Arch',
};

/** os-release `ID_LIKE` words → family, for distributions missing above. */
const FAMILY_BY_LIKE: Readonly<Record<string, string>> = {
  debian: 'Debian', ubuntu: 'Debian', rhel: 'RedHat', fedora: 'RedHat', centos: 'RedHat', suse: 'Suse', arch: 'Arch',
};

/** systemd-detect-virt's names (and the script's fallbacks) → salt's `virtual` and `virtual_subtype`. */
const VIRTUAL: Readonly<Record<string, [string, string?]>> = {
  kvm: ['kvm'], qemu: ['kvm'], vmware: ['VMware'], oracle: ['VirtualBox'], xen: ['xen'], microsoft: ['HyperV'],
  bochs: ['kvm'], parallels: ['Parallels'], docker: ['container', 'Docker'], podman: ['container', 'Podman'],
  lxc: ['LXC'], 'lxc-libvirt': ['LXC'], openvz: ['openvzve'], 'systemd-nspawn': ['systemd-nspawn'],
  wsl: ['container', 'WSL'], hypervisor: ['VirtualMachine'],
};

const INT_GRAINS = new Set(['num_cpus', 'mem_total', 'swap_total', 'uid', 'gid']);
const LIST_GRAINS = new Set(['ipv4', 'ipv6']);

/** Reads the script's `key=value` lines: repeated keys collect into lists, os-release values are unquoted. */
export function readFacts(stdout: string): Map<string, string[]> {
  const facts = new Map<string, string[]>();
  for (const line of stdout.split('\n')) {
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq);
    const raw = line.slice(eq + 1);
    const value = key.startsWith('osrel_') ? unquoteOsRelease(raw) : raw;
    facts.set(key, [...(facts.get(key) ?? []), value]);
  }
  return facts;
}

function unquoteOsRelease(raw: string): string {
  const match = /^(["'])(.*)\1$/.exec(raw.trim());
  if (match?.[2] === undefined) return raw.trim();
  return match[1] === '"' ? match[2].replace(/\\([\\"$`])/g, '$1') : match[2];
}

/** The grains dict, typed as salt types it (ints as numbers, ip lists as sorted arrays), keys sorted. */
export function buildGrains(facts: Map<string, string[]>, id: string): Record<string, unknown> {
  const one = (key: string): string | undefined => facts.get(key)?.[0];
  const grains: Record<string, unknown> = { id };
  const plain = ['kernel', 'kernelrelease', 'kernelversion', 'cpuarch', 'cpu_model', 'nodename', 'localhost'];
  for (const key of [...plain, 'fqdn', 'shell', 'path', 'machine_id', 'username', 'groupname']) {
    const value = one(key);
    if (value !== undefined) grains[key] = value;
  }
  for (const key of INT_GRAINS) {
    const value = Number.parseInt(one(key) ?? '', 10);
    if (Number.isFinite(value)) grains[key] = value;
  }
  for (const key of LIST_GRAINS) grains[key] = [...new Set(facts.get(key) ?? [])].filter(Boolean).sort();
  const fqdn = one('fqdn') ?? one('localhost') ?? '';
  const dot = fqdn.indexOf('.');
  grains['host'] = dot === -1 ? fqdn : fqdn.slice(0, dot);
  grains['domain'] = dot === -1 ? '' : fqdn.slice(dot + 1);
  const [virtual, subtype] = VIRTUAL[one('virt') ?? ''] ?? ['physical'];
  grains['virtual'] = virtual;
  if (subtype !== undefined) grains['virtual_subtype'] = subtype;
  Object.assign(grains, osGrains(one));
  return Object.fromEntries(Object.entries(grains).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function osGrains(one: (key: string) => string | undefined): Record<string, unknown> {
  const osId = (one('osrel_ID') ?? '').toLowerCase();
  const name = one('osrel_NAME') ?? one('kernel') ?? 'Unknown';
  const os = OS_BY_ID[osId] ?? (osId === '' ? name : osId.charAt(0).toUpperCase() + osId.slice(1));
  const like = (one('osrel_ID_LIKE') ?? '').split(/\s+/).map((word) => FAMILY_BY_LIKE[word]);
  const grains: Record<string, unknown> = {
    os,
    os_family: FAMILY_BY_OS[os] ?? like.find((family) => family !== undefined) ?? os,
    osfullname: name.replace(/ GNU\/Linux$/, ''),
  };
  const version = one('osrel_VERSION') ?? '';
  const codename = one('osrel_VERSION_CODENAME') ?? one('osrel_UBUNTU_CODENAME') ?? /\(([^)]*)\)/.exec(version)?.[1];
  grains['oscodename'] = codename ?? '';
  const release = one('osrel_VERSION_ID');
  if (release !== undefined) {
    grains['osrelease'] = release;
    const info = release.split('.').map((part) => Number.parseInt(part, 10));
    if (info.every(Number.isFinite)) grains['osrelease_info'] = info;
    const major = info[0];
    if (major !== undefined && Number.isFinite(major)) {
      grains['osmajorrelease'] = major;
      grains['osfinger'] = `${grains['osfullname'] as string}-${os === 'Ubuntu' ? release : major}`;
    }
  }
  return grains;
}

/** salt's `traverse_dict_and_list`: `a:b:0` walks dicts by key and lists by index. */
export function traverse(data: unknown, key: string, delimiter: string): { found: boolean; value: unknown } {
  let current: unknown = data;
  for (const part of key.split(delimiter)) {
    if (Array.isArray(current) && /^\d+$/.test(part) && Number(part) < current.length) {
      current = current[Number(part)];
    } else if (typeof current === 'object' && current !== null && !Array.isArray(current) && Object.hasOwn(current, part)) {
      current = (current as Record<string, unknown>)[part];
    } else {
      return { found: false, value: undefined };
    }
  }
  return { found: true, value: current };
}
