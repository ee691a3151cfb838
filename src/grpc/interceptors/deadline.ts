import {
  checkMethodTable,
  type InterceptedServerCall,
  lookupByMethod,
  type ServerInterceptor,
} from './server-interceptor.js';

/** Deadline policy of a method. */
export interface DeadlineRule {
  /** Deadline of a call whose client sent no `grpc-timeout`. */
  defaultMs?: number;
  /** The longest deadline honoured: a later one (or none, without a default) is cut to this. */
  maxMs?: number;
}

export interface DeadlineOptions extends DeadlineRule {
  /** Per-method rules (`/pkg.Service/Method`, `/pkg.Service/*`, `*`), in place of the top-level ones. */
  methods?: Readonly<Record<string, DeadlineRule>>;
}

function checkRule(rule: DeadlineRule, where: string): DeadlineRule {
  for (const key of ['defaultMs', 'maxMs'] as const) {
    const v = rule[key];
    if (v !== undefined && (!(v > 0) || !Number.isFinite(v))) {
      throw new RangeError(`deadlineInterceptor ${where}: ${key} must be a positive number of ms, got ${v}`);
    }
  }
  if (rule.defaultMs !== undefined && rule.maxMs !== undefined && rule.defaultMs > rule.maxMs) {
    throw new RangeError(
      `deadlineInterceptor ${where}: defaultMs ${rule.defaultMs} is above maxMs ${rule.maxMs}`,
    );
  }
  return rule;
}

/**
 * Server-side deadlines: calls without one get `defaultMs`, and none may run longer than `maxMs`
 * (a client asking for an hour gets `maxMs`). Measured from when the call arrived. When the
 * deadline passes, the call ends DEADLINE_EXCEEDED and the handler's `call.signal` aborts.
 * Put it first: time spent in other interceptors counts against the deadline.
 *
 * @example
 * new GrpcServer({
 *   interceptors: [
 *     deadlineInterceptor({ defaultMs: 10_000, maxMs: 60_000, methods: { '/shop.Reports/*': { maxMs: 300_000 } } }),
 *   ],
 * });
 */
export function deadlineInterceptor(options: DeadlineOptions): ServerInterceptor {
  const base = checkRule({ defaultMs: options.defaultMs, maxMs: options.maxMs }, 'options');
  const table = options.methods ?? {};
  checkMethodTable(table, 'deadlineInterceptor methods');
  for (const [k, rule] of Object.entries(table)) checkRule(rule, k);
  const byPath = new Map<string, DeadlineRule>();
  return {
    name: 'deadline',
    before(call: InterceptedServerCall) {
      const path = call.method.path;
      let rule = byPath.get(path);
      if (rule === undefined) {
        rule = lookupByMethod(table, path) ?? base;
        byPath.set(path, rule);
      }
      const limit = call.deadline === undefined ? (rule.defaultMs ?? rule.maxMs) : rule.maxMs;
      // limitDeadline never moves a deadline later, so a client's shorter one stands.
      if (limit !== undefined) call.call.limitDeadline(limit - (performance.now() - call.startedAt));
    },
  };
}
