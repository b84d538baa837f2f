import { ConfigError, UsageError } from '../errors.js';
import type { Returner, ReturnerCapabilities, ReturnerLoadContext, ReturnerModule } from './types.js';

/** salt's returner name → lazy import, so a run loads mysql2 only when it uses mysql. */
const RETURNERS: Readonly<Record<string, () => Promise<ReturnerModule>>> = Object.freeze({
  local_cache: () => import('./local-cache.js'),
  mysql: () => import('./mysql.js'),
});

/** The registered returner names, sorted (what `sys.list_returners` prints). */
export function listReturners(): string[] {
  return Object.keys(RETURNERS).sort();
}

export function isReturnerName(name: string): boolean {
  return Object.hasOwn(RETURNERS, name);
}

/** Builds the named returner; an unknown name is a usage error listing the valid ones. */
export async function loadReturner(name: string, ctx: ReturnerLoadContext): Promise<Returner> {
  const load = isReturnerName(name) ? RETURNERS[name] : undefined;
  if (!load) throw new UsageError(`unknown returner '${name}'; valid returners: ${listReturners().join(', ')}`);
  const mod = await load();
  return mod.createReturner(ctx);
}

/** `--return mysql,local_cache` → names, validated. */
export function parseReturnerList(value: string, flag = '--return'): string[] {
  const names = value.split(',').map((n) => n.trim()).filter((n) => n !== '');
  for (const name of names) {
    if (!isReturnerName(name)) throw new UsageError(`${flag}: unknown returner '${name}'; valid returners: ${listReturners().join(', ')}`);
  }
  return [...new Set(names)];
}

const USES: Record<keyof ReturnerCapabilities, string> = {
  jobCache: 'master_job_cache (get_load/get_jid/get_jids)',
  events: 'event_return (event_return)',
  retention: 'keep_jobs_seconds cleanup (clean_old_jobs)',
};

/** Refuses e.g. `master_job_cache: syslog`: `key` names the config key that asked for the use. */
export function requireCapability(returner: Returner, capability: keyof ReturnerCapabilities, key: string): void {
  if (!returner.capabilities[capability]) {
    throw new ConfigError(`${key}: returner '${returner.name}' cannot serve as ${USES[capability]}`);
  }
}
