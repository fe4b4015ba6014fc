// Median and spread per stage over several benchmark runs.

export type StageSample = Record<string, number>;

export interface Figure {
  stage: string;
  median: number;
  min: number;
  max: number;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : Math.round((s[mid - 1]! + s[mid]!) / 2);
}

export function stageFigures(samples: StageSample[]): Figure[] {
  return Object.keys(samples[0] ?? {}).map((stage) => {
    const xs = samples.map((s) => s[stage]!);
    return { stage, median: median(xs), min: Math.min(...xs), max: Math.max(...xs) };
  });
}

export function formatFigures(figs: Figure[]): string {
  return figs.map((f) => `  ${f.stage.padEnd(18)} median ${String(f.median).padStart(7)}  min ${String(f.min).padStart(7)}  max ${String(f.max).padStart(7)}`).join('\n');
}
