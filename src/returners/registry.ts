import { createRequire } from 'node:module';
import { BUILD_INFO } from '../core/build-info.js';
import { ConfigError, UsageError } from '../errors.js';
import type { Returner, ReturnerCapabilities, ReturnerLoadContext, ReturnerModule } from './types.js';

/** One returner: a lazy import of its file, and whether it can load here (salt's `__virtual__`). */
export interface ReturnerEntry {
  load(): Promise<ReturnerModule>;
  /** The npm package the returner's file imports; the bundle keeps it external (scripts/bundle.mjs). */
  readonly driver?: string;
  /** `true`, or why the returner cannot load here (e.g. its driver is not installed). */
  isAvailable(): Promise<true | string>;
}

/** salt's returner name → entry. A plain value: tests pass their own. */
export type ReturnerRegistry = Readonly<Record<string, ReturnerEntry>>;

/**
 * An entry whose driver package must resolve from brine's own install for the returner to load;
 * the single binary has no install beside it, so there the driver must be one it was built with.
 */
export function driverEntry(driver: string, load: () => Promise<ReturnerModule>): ReturnerEntry {
  return {
    load,
    driver,
    isAvailable() {
      const { bundled } = BUILD_INFO;
      if (bundled !== undefined) return Promise.resolve(Object.hasOwn(bundled, driver) || `the ${driver} package is not built into this binary`);
      try {
        createRequire(import.meta.url).resolve(driver);
        return Promise.resolve(true);
      } catch {
        return Promise.resolve(`the ${driver} package is not installed`);
      }
    },
  };
}

const ALWAYS = (): Promise<true> => Promise.resolve(true);

/** The built-in returners; each file is imported only when a run uses it, so mysql2 loads only then. */
export const RETURNERS: ReturnerRegistry = Object.freeze({
  local: { load: () => import('./local.js'), isAvailable: ALWAYS },
  local_cache: { load: () => import('./local-cache.js'), isAvailable: ALWAYS },
  mysql: driverEntry('mysql2', () => import('./mysql.js')),
  pgjsonb: driverEntry('pg', () => import('./pgjsonb.js')),
  postgres: driverEntry('pg', () => import('./postgres.js')),
  smtp: driverEntry('nodemailer', () => import('./smtp.js')),
  syslog: { load: () => import('./syslog.js'), isAvailable: ALWAYS },
  sqlite3: { load: () => import('./sqlite3.js'), isAvailable: ALWAYS },
  rawfile_json: { load: () => import('./rawfile-json.js'), isAvailable: ALWAYS },
  influxdb: { load: () => import('./influxdb.js'), isAvailable: ALWAYS },
  carbon: { load: () => import('./carbon.js'), isAvailable: ALWAYS },
  // its members come from this registry: the loader is handed over, so multi-returner.ts need not import this file
  multi_returner: { load: async () => (await import('./multi-returner.js')).withRegistry((name, ctx) => loadReturner(name, ctx)), isAvailable: ALWAYS },
  redis: driverEntry('ioredis', () => import('./redis.js')),
  memcache: { load: () => import('./memcache.js'), isAvailable: ALWAYS },
  etcd: { load: () => import('./etcd.js'), isAvailable: ALWAYS },
  slack_webhook: { load: () => import('./slack-webhook.js'), isAvailable: ALWAYS },
  slack: { load: () => import('./slack.js'), isAvailable: ALWAYS },
  mattermost: { load: () => import('./mattermost.js'), isAvailable: ALWAYS },
  telegram: { load: () => import('./telegram.js'), isAvailable: ALWAYS },
  pushover: { load: () => import('./pushover.js'), isAvailable: ALWAYS },
  splunk: { load: () => import('./splunk.js'), isAvailable: ALWAYS },
});

/** The registered returner names, sorted. */
export function listReturners(registry: ReturnerRegistry = RETURNERS): string[] {
  return Object.keys(registry).sort();
}

/** The returners whose drivers are installed, sorted: what `sys.list_returners` prints. */
export async function listUsableReturners(registry: ReturnerRegistry = RETURNERS): Promise<string[]> {
  const names = listReturners(registry);
  const usable = await Promise.all(names.map(async (name) => (await registry[name]?.isAvailable()) === true));
  return names.filter((_, i) => usable[i]);
}

/** The npm packages the registered returners import (what the bundle keeps external). */
export function returnerDrivers(registry: ReturnerRegistry = RETURNERS): string[] {
  return [...new Set(Object.values(registry).flatMap((e) => (e.driver === undefined ? [] : [e.driver])))].sort();
}

export function isReturnerName(name: string, registry: ReturnerRegistry = RETURNERS): boolean {
  return Object.hasOwn(registry, name);
}

function entryOf(name: string, registry: ReturnerRegistry, flag?: string): ReturnerEntry {
  const entry = isReturnerName(name, registry) ? registry[name] : undefined;
  if (entry) return entry;
  const prefix = flag === undefined ? '' : `${flag}: `;
  throw new UsageError(`${prefix}unknown returner '${name}'; valid returners: ${listReturners(registry).join(', ')}`);
}

/** Refuses a returner that cannot load here, in one line (exit 78), before it is used. */
export async function requireAvailable(name: string, registry: ReturnerRegistry = RETURNERS): Promise<void> {
  const available = await entryOf(name, registry).isAvailable();
  if (available !== true) throw new ConfigError(`Returner ${name} is unavailable: ${available}`);
}

/** Builds the named returner; an unknown name is a usage error listing the valid ones, a missing driver a config error. */
export async function loadReturner(name: string, ctx: ReturnerLoadContext, registry: ReturnerRegistry = RETURNERS): Promise<Returner> {
  const entry = entryOf(name, registry);
  await requireAvailable(name, registry);
  const mod = await entry.load();
  return mod.createReturner(ctx);
}

/** `--return mysql,local_cache` → names, validated. */
export function parseReturnerList(value: string, flag = '--return', registry: ReturnerRegistry = RETURNERS): string[] {
  const names = value.split(',').map((n) => n.trim()).filter((n) => n !== '');
  for (const name of names) entryOf(name, registry, flag);
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
