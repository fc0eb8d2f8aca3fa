import { InvalidOptionsError } from './errors';

/** Reads an optional integer option, so a typo fails loudly at construction rather than mid-stream. */
export function integerOption(
  name: string,
  value: number | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidOptionsError(name, `an integer from ${min} to ${max}`, value);
  }
  return value;
}
