// Repetition statistics and the results file every TS benchmark writes (read by bench/report.py).
import { writeFileSync, mkdirSync } from "node:fs";
import { loadavg, cpus } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export interface Summary {
  median: number;
  min: number;
  max: number;
  n: number;
}

export function summary(samples: number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, n: sorted.length };
}

export function save(name: string, command: string, data: Record<string, unknown>): void {
  const results = process.env.SSEGEN_BENCH_RESULTS || join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "results");
  mkdirSync(results, { recursive: true });
  const [one, five] = loadavg();
  const record = {
    name,
    command,
    finished: new Date().toISOString().slice(0, 16).replace("T", " ") + " UTC",
    load: { loadavg_1m: Math.round(one! * 100) / 100, loadavg_5m: Math.round(five! * 100) / 100, cores: cpus().length },
    node: process.version,
    ...data,
  };
  writeFileSync(join(results, `${name}.json`), JSON.stringify(record, null, 1) + "\n");
}

export function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1]!;
}
