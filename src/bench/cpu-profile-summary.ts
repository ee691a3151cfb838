import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

/** One function's share of a CPU profile. */
export interface ProfileFunction {
  name: string;
  /** file:line, or the V8 pseudo-frame. */
  location: string;
  selfMs: number;
  /** Share of busy (non-idle) time, 0..1. */
  selfShare: number;
}

/** A V8 .cpuprofile reduced to where the time went. */
export interface CpuProfileSummary {
  totalMs: number;
  idleMs: number;
  busyMs: number;
  gcMs: number;
  top: ProfileFunction[];
}

interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: CpuProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
  startTime: number;
  endTime: number;
}

/**
 * Self time per function from a V8 CPU profile (`node --cpu-prof`): each sample is charged to the
 * function on top of the stack, with the time until the next sample. Functions with the same name
 * and location are added up (a function appears once per distinct call path).
 *
 * @example
 * const s = summariseCpuProfile(JSON.parse(readFileSync('CPU.cpuprofile', 'utf8')), 10);
 * for (const f of s.top) console.log(f.name, f.selfMs);
 */
export function summariseCpuProfile(profile: CpuProfile, topN = 10): CpuProfileSummary {
  const byId = new Map<number, CpuProfileNode>();
  for (const n of profile.nodes) byId.set(n.id, n);
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    // timeDeltas[i] is the gap before sample i; the time after a sample belongs to it.
    const dt = i + 1 < deltas.length ? deltas[i + 1] : 0;
    selfUs.set(samples[i], (selfUs.get(samples[i]) ?? 0) + Math.max(0, dt));
  }
  const grouped = new Map<string, { name: string; location: string; us: number }>();
  let idleUs = 0;
  let gcUs = 0;
  let totalUs = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    totalUs += us;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    if (functionName === '(garbage collector)') gcUs += us;
    const name = functionName || '(anonymous)';
    const location = url
      ? `${basename(url)}:${lineNumber + 1}`
      : functionName.startsWith('(')
        ? 'V8'
        : 'native';
    const key = `${name}@${location}`;
    const g = grouped.get(key) ?? { name, location, us: 0 };
    g.us += us;
    grouped.set(key, g);
  }
  const busyUs = totalUs - idleUs;
  const top = [...grouped.values()]
    .sort((x, y) => y.us - x.us)
    .slice(0, topN)
    .map((g) => ({
      name: g.name,
      location: g.location,
      selfMs: g.us / 1000,
      selfShare: busyUs > 0 ? g.us / busyUs : 0,
    }));
  return { totalMs: totalUs / 1000, idleMs: idleUs / 1000, busyMs: busyUs / 1000, gcMs: gcUs / 1000, top };
}

/** Read and summarise a .cpuprofile file. */
export function summariseCpuProfileFile(path: string, topN = 10): CpuProfileSummary {
  return summariseCpuProfile(JSON.parse(readFileSync(path, 'utf8')) as CpuProfile, topN);
}
