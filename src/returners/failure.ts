/**
 * How a failed returner call is handled: `transient` (connection, timeout, lock) is retried with
 * backoff; `item` (the data itself: too long, a string the column cannot hold) narrows the batch to
 * the items at fault and sets them aside; `returner` (auth, unknown database, missing table, bad
 * settings) stops delivery to that returner for this run, leaving everything pending with the reason.
 */
import { BrineError, ConfigError, UsageError } from '../errors.js';

export type FailureScope = 'transient' | 'item' | 'returner';

export class ReturnerError extends BrineError {
  constructor(
    readonly scope: FailureScope,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super('ERETURNER', message, options);
    this.name = 'ReturnerError';
  }
}

export function failureScope(err: unknown): FailureScope {
  if (err instanceof ReturnerError) return err.scope;
  if (err instanceof ConfigError || err instanceof UsageError) return 'returner';
  return 'transient';
}
