/**
 * A run's `--return_config`/`--return_kwargs`, stored with each item it queues (as canonical JSON,
 * '' for none) so that a later flush delivers the item where its run meant it to go.
 */
import { ConfigError } from '../errors.js';
import type { ReturnerOptionSources } from '../returners/options.js';

export function settingsKey(sources: ReturnerOptionSources): string {
  const { returnConfig, returnKwargs } = sources;
  const hasKwargs = returnKwargs !== undefined && Object.keys(returnKwargs).length > 0;
  if (returnConfig === undefined && !hasKwargs) return '';
  return JSON.stringify({
    ...(returnConfig === undefined ? {} : { return_config: returnConfig }),
    ...(hasKwargs ? { return_kwargs: returnKwargs } : {}),
  });
}

export function parseSettings(settings: string): ReturnerOptionSources {
  if (settings === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(settings);
  } catch {
    throw new ConfigError(`job cache: queued returner settings are not valid JSON: ${settings.slice(0, 80)}`);
  }
  const { return_config: returnConfig, return_kwargs: returnKwargs } = (parsed ?? {}) as Record<string, unknown>;
  return {
    ...(typeof returnConfig === 'string' ? { returnConfig } : {}),
    ...(typeof returnKwargs === 'object' && returnKwargs !== null ? { returnKwargs: returnKwargs as Record<string, unknown> } : {}),
  };
}

