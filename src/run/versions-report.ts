/**
 * `salt-ssh -V/--versions-report`: brine's version and its components', laid out as salt's
 * versions_report (salt/version.py): sections, names right-aligned, `Not Installed` when missing.
 */
import { readFile } from 'node:fs/promises';
import { arch, release, type, version as osVersion } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUILD_INFO, type BuildInfo } from '../core/build-info.js';

/** The packages brine runs on (mysql2 may be left out of an install); SQLite comes with Node. */
const COMPONENTS = ['@oclif/core', 'chalk', 'mysql2', 'ssh2', 'yaml'] as const;
const NOT_INSTALLED = 'Not Installed';

async function readJson(file: string): Promise<Record<string, unknown> | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** brine's own package.json, found upward from this module (src/ or the dist/bundle file). */
async function findRoot(from: string): Promise<string | undefined> {
  for (let dir = from; ; dir = dirname(dir)) {
    const pkg = await readJson(join(dir, 'package.json'));
    if (pkg?.['name'] === 'brine') return dir;
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

/** Installed beside brine (npm), or built into the single binary, which has no node_modules to read. */
async function componentVersions(moduleUrl: string, bundled: BuildInfo['bundled']): Promise<Record<string, string | undefined>> {
  if (bundled !== undefined) return Object.fromEntries(COMPONENTS.map((name) => [name, bundled[name]]));
  const root = await findRoot(dirname(fileURLToPath(moduleUrl)));
  const deps: Record<string, string | undefined> = {};
  for (const name of COMPONENTS) {
    const pkg = root === undefined ? undefined : await readJson(join(root, 'node_modules', name, 'package.json'));
    deps[name] = pkg?.['version'] === undefined ? undefined : String(pkg['version']);
  }
  return deps;
}

export async function versionsInformation(
  moduleUrl: string = import.meta.url,
  env: NodeJS.ProcessEnv = process.env,
  build: BuildInfo = BUILD_INFO,
): Promise<VersionsInfo> {
  const deps = await componentVersions(moduleUrl, build.bundled);
  const os = await osRelease();
  const locale = (env.LC_ALL || env.LC_CTYPE || env.LANG || 'C').split('.')[1]?.toLowerCase() ?? 'ascii';
  return {
    'Brine Version': { brine: build.version, commit: build.commit },
    'Node Version': { node: process.versions.node, v8: process.versions.v8, openssl: process.versions.openssl, sqlite: process.versions.sqlite },
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
