// Progress output for long commands: lines on stderr (stdout stays for results), with the time
// since the command started, so piping a command's output never mixes in progress noise.
export type Progress = (message: string) => void;

export function stderrProgress(quiet = false): Progress {
  const t0 = Date.now();
  return (message) => {
    if (quiet) return;
    const s = ((Date.now() - t0) / 1000).toFixed(1).padStart(6);
    process.stderr.write(`[${s}s] ${message}\n`);
  };
}
