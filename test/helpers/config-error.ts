import { expect } from 'vitest';
import { ConfigError } from '../../src/errors.js';

/** The one-line ConfigError message `fn` throws. */
export function configError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}
