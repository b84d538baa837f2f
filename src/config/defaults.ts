/**
 * brine's documented defaults, in one place for the README and the tests.
 * Where brine differs from salt-ssh the salt value is noted.
 */
export const DEFAULTS = Object.freeze({
  /** `-c` > Saltfile `config_dir` > `$SALT_CONFIG_DIR` > this. */
  configDir: '/etc/salt',
  /** YAML master config inside the config dir; missing means defaults. */
  masterFile: 'master',
  /** `<config_dir>/master.d/*.conf`, read in sorted order after `master` (salt's `default_include`). */
  masterIncludeDir: 'master.d',
  /** `--saltfile` > `$SALT_SALTFILE` > `./Saltfile` > `~/.salt/Saltfile` (its `salt-ssh:` section). */
  saltfileName: 'Saltfile',
  userSaltfile: '~/.salt/Saltfile',
  /** Roster lookup: `--roster-file` > Saltfile `roster_file` > config `roster_file` > `<config_dir>/roster` > `./roster.yaml` > `/etc/salt/roster`. */
  rosterLookup: 'flag > Saltfile > config > <config_dir>/roster > ./roster.yaml > /etc/salt/roster',
  localRosterFile: 'roster.yaml',
  systemRosterFile: '/etc/salt/roster',
  /** cachedir: config `cachedir` > this when root and writable > `$XDG_CACHE_HOME/brine` or `~/.cache/brine`. */
  systemCacheDir: '/var/cache/salt/master',
  userCacheDirName: 'brine',
  /** Login user when neither roster, `--user` nor `ssh_user` set one: the current OS user (salt: root). */
  sshUser: '<current OS user>',
  sshPort: 22,
  /**
   * Seconds to connect (TCP + handshake + auth) when neither roster `timeout` nor `ssh_timeout` is set.
   * salt uses ssh_timeout 60 + timeout 5 = 65 s as ssh's ConnectTimeout; 10 s fails unreachable hosts sooner.
   */
  connectTimeoutSec: 10,
  /** No default key file (salt: `<pki_dir>/ssh/salt-ssh.rsa`): roster `priv`, else `--priv`/`ssh_priv`, else ssh-agent and password. */
  priv: null,
  /**
   * Largest timeout in seconds (`--timeout`, roster `timeout`, `ssh_timeout`, cmd's `timeout=`): Node
   * timers above 2^31-1 ms (24.8 days) fire after 1 ms; 24 days leaves room for cmd's kill grace.
   */
  maxTimeoutSec: 2_073_600,
  /**
   * Hosts in flight at most under the adaptive fan-out (salt-ssh's default in brine; job/adaptive-limit.ts),
   * when no `ssh_max_procs` caps it; `--max-procs N` pins N instead (salt: a fixed 25).
   */
  sshMaxProcs: 512,
  /** OpenSSH client config read for SSH hosts, in this order; `ssh_config_file`/`--ssh-config-file` replaces both (`none`: no file), as `ssh -F` does. */
  userSshConfig: '~/.ssh/config',
  systemSshConfig: '/etc/ssh/ssh_config',
  keepJobsSeconds: 86400,
  /** Merged under the master file: salt's keys and brine's values. */
  masterOpts: Object.freeze({
    ssh_port: 22,
    ssh_timeout: 10,
    ssh_sudo: false,
    ssh_identities_only: false,
    keep_jobs_seconds: 86400,
    keep_jobs: 24,
    roster_defaults: Object.freeze({}),
    nodegroups: Object.freeze({}),
    ssh_list_nodegroups: Object.freeze({}),
  }),
});
