/**
 * `salt-ssh -V/--versions-report`: brine's version and its components', laid out as salt's
 * versions_report (salt/version.py): sections, names right-aligned, `Not Installed` when missing.
 */
import { readFile } from 'node:fs/promises';
import { arch, release, type, version as osVersion } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The packages brine runs on (mysql2 and better-sqlite3 may be left out of an install). */
const COMPONENTS = ['@oclif/core', 'better-sqlite3', 'chalk', 'mysql2', 'p-limit', 'ssh2', 'yaml'] as const;
const NOT_INSTALLED = 'Not Installed';

async function readJson(file: string): Promise<Record<string, unknown> | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** brine's own package.json, found upward from this module (src/ or the dist/bundle file). */
async function findRoot(from: string): Promise<{ dir: string; version: string } | undefined> {
  for (let dir = from; ; dir = dirname(dir)) {
    const pkg = await readJson(join(dir, 'package.json'));
    if (pkg?.['name'] === 'brine') return { dir, version: String(pkg['version']) };
    if (dirname(dir) === dir) return undefined;
  }
}

async function osRelease(): Promise<{ dist?: string; name?: string }> {
  try {
    const text = await readFile('/etc/os-release', 'utf8');
    const field = (key: string) => new RegExp(`^${key}="?([^"\\n]*)"?$`, 'm').exec(text)?.[1];
    const id = field('ID');
    const versionId = field('VERSION_ID');
    const name = field('PRETTY_NAME');
    return { ...(id === undefined ? {} : { dist: `${id} ${versionId ?? ''}`.trim() }), ...(name === undefined ? {} : { name }) };
  } catch {
    return {};
  }
}

export interface VersionsInfo {
  [section: string]: Record<string, string | undefined>;
}

export async function versionsInformation(moduleUrl: string = import.meta.url, env: NodeJS.ProcessEnv = process.env): Promise<VersionsInfo> {
  const root = await findRoot(dirname(fileURLToPath(moduleUrl)));
  const deps: Record<string, string | undefined> = {};
  for (const name of COMPONENTS) {
    const pkg = root === undefined ? undefined : await readJson(join(root.dir, 'node_modules', name, 'package.json'));
    deps[name] = pkg?.['version'] === undefined ? undefined : String(pkg['version']);
  }
  const os = await osRelease();
  const locale = (env.LC_ALL || env.LC_CTYPE || env.LANG || 'C').split('.')[1]?.toLowerCase() ?? 'ascii';
  return {
    'Brine Version': { brine: root?.version },
    'Node Version': { node: process.versions.node, v8: process.versions.v8, openssl: process.versions.openssl },
    'Dependency Versions': deps,
    'System Versions': { dist: os.dist, locale, machine: arch(), release: release(), system: type(), version: os.name ?? osVersion() },
  };
}

/** salt's layout: `Section:` lines, names right-aligned to one width, a line with one space between sections. */
export function formatVersionsReport(info: VersionsInfo): string {
  const names = Object.values(info).flatMap((section) => Object.keys(section));
  const pad = Math.max(NOT_INSTALLED.length, ...names.map((name) => name.length)) + 1;
  const lines: string[] = [];
  for (const [section, entries] of Object.entries(info)) {
    lines.push(`${section}:`);
    for (const name of Object.keys(entries).sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()))) {
      lines.push(`${name.padStart(pad)}: ${entries[name] || NOT_INSTALLED}`);
    }
    lines.push(' ');
  }
  return `${lines.join('\n')}\n`;
}

export async function versionsReport(): Promise<string> {
  return formatVersionsReport(await versionsInformation());
}
