import { parseArgs } from 'node:util';

/** A CLI usage mistake: printed with the command's --help hint, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string }>;

export function parse(argv: string[], options: OptionSpec): Record<string, string | boolean | undefined> {
  try {
    const { values } = parseArgs({ args: argv, options, allowPositionals: false, strict: true });
    return values as Record<string, string | boolean | undefined>;
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

/** A whole number option in [min, max], or the default when absent. */
export function intOption(
  values: Record<string, string | boolean | undefined>,
  name: string,
  fallback: number,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (typeof raw !== 'string' || !Number.isInteger(v) || v < min || v > max) {
    throw new UsageError(
      `--${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`,
    );
  }
  return v;
}

/** A duration in seconds (fractions allowed), returned in milliseconds. */
export function secondsOption(
  values: Record<string, string | boolean | undefined>,
  name: string,
  fallbackMs: number,
) {
  const raw = values[name];
  if (raw === undefined) return fallbackMs;
  const v = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(v) || v < 0) {
    throw new UsageError(`--${name} takes seconds (a number >= 0), got ${JSON.stringify(raw)}`);
  }
  return Math.round(v * 1000);
}

export function stringOption(
  values: Record<string, string | boolean | undefined>,
  name: string,
  fallback: string,
) {
  const raw = values[name];
  return typeof raw === 'string' ? raw : fallback;
}
