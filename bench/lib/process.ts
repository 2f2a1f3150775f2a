// A process's resource use while a benchmark runs: peak resident memory (sampled from /proc every 200 ms, and
// the kernel's own high-water mark) and CPU time. Linux only; elsewhere the figures are null.
import { readFileSync } from 'node:fs';

export interface ProcessUsage {
  /** Highest resident set seen during the period, MB. */
  peakRssMb: number;
  /** User + system CPU time spent during the period, s. */
  cpuS: number;
}

const TICKS_PER_S = 100;

function read(pid: number): { rssKb: number; hwmKb: number; cpuTicks: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    // /proc/<pid>/stat: fields 14 and 15 (utime, stime) after the parenthesised command name.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { rssKb: kb('VmRSS'), hwmKb: kb('VmHWM'), cpuTicks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return undefined;
  }
}

/** Starts watching `pid`; `stop()` returns what it used since (null when it cannot be read). */
export function processUsage(pid: number | undefined): { stop(): ProcessUsage | null } {
  const first = pid ? read(pid) : undefined;
  if (!pid || !first) return { stop: () => null };
  let peakKb = first.rssKb;
  const timer = setInterval(() => {
    const now = read(pid);
    if (now) peakKb = Math.max(peakKb, now.rssKb);
  }, 200);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      const last = read(pid);
      if (!last) return null;
      // The kernel's high-water mark counts too once it has grown past where it was when the period began.
      const peak = Math.max(peakKb, last.rssKb, last.hwmKb > first.hwmKb ? last.hwmKb : 0);
      return { peakRssMb: Math.round(peak / 1024), cpuS: Math.round(((last.cpuTicks - first.cpuTicks) / TICKS_PER_S) * 10) / 10 };
    },
  };
}
