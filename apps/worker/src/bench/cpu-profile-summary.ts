// The frames a V8 CPU profile (node --cpu-prof) spent most time in, by self time: where a
// worker's CPU goes, printed after a profiled benchmark run.

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface FrameShare {
  frame: string;
  selfMs: number;
  /** Of all sampled time, 0..1. */
  share: number;
}

export function topSelfFrames(profile: CpuProfile, n: number): FrameShare[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    total += us;
    const f = byId.get(id)?.callFrame;
    if (!f) return;
    const file = f.url.slice(f.url.lastIndexOf('/') + 1);
    const frame = `${f.functionName || '(anonymous)'}${file ? ` ${file}:${f.lineNumber + 1}` : ''}`;
    self.set(frame, (self.get(frame) ?? 0) + us);
  });
  return [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([frame, us]) => ({
      frame,
      selfMs: Math.round(us / 1000),
      share: total > 0 ? Number((us / total).toFixed(3)) : 0,
    }));
}
