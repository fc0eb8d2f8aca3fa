/** How a retry's wait grows: the first one, and the longest any may be. */
export interface BackoffPolicy {
  /** The ceiling of the first wait, in ms; each later ceiling doubles. */
  initialDelayMs: number;
  /** No ceiling goes past this, in ms, however many attempts came before. */
  maxDelayMs: number;
}

/** A source of numbers in [0, 1), as Math.random; tests pass a fixed one. */
export type RandomSource = () => number;

/**
 * The upper envelope of attempt `attempt` (1 for the first): `initialDelayMs` doubled
 * `attempt - 1` times, never past `maxDelayMs`.
 */
export function backoffCeiling(attempt: number, policy: BackoffPolicy): number {
  // 2 ** 1023 is the last finite power; past ~40 doublings every ceiling is maxDelayMs anyway.
  const doublings = Math.min(Math.max(attempt - 1, 0), 1023);
  return Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** doublings);
}

/**
 * The wait before attempt `attempt`: "full jitter", a uniform draw from [0, ceiling]
 * (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/). Many clients
 * that lost the same server at the same moment come back spread over the whole window,
 * not in lockstep at its end. Whole milliseconds, never past the ceiling.
 */
export function fullJitterDelay(
  attempt: number,
  policy: BackoffPolicy,
  random: RandomSource = Math.random,
): number {
  const ceiling = backoffCeiling(attempt, policy);
  // random() < 1, but a test's (or a bad) source may give 1 or more: clamp to the window.
  const draw = Math.min(Math.max(random(), 0), 1);
  return Math.min(ceiling, Math.floor(draw * (ceiling + 1)));
}
