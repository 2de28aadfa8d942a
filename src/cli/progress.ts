/** Progress bars on stderr (only on a terminal, never with --json, so stdout stays clean). */
import cliProgress from "cli-progress";

export interface ProgressBar {
  update(value: number, payload?: Record<string, string | number>): void;
  stop(): void;
}

const NO_BAR: ProgressBar = { update() {}, stop() {} };

export function progressBar(enabled: boolean, total: number, format: string): ProgressBar {
  if (!enabled || !process.stderr.isTTY) return NO_BAR;
  const bar = new cliProgress.SingleBar(
    { format, stream: process.stderr, hideCursor: true, clearOnComplete: true, etaBuffer: 50 },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    update: (v, payload) => bar.update(v, payload),
    stop: () => bar.stop(),
  };
}
