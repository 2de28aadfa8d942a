/** Progress bars on stderr (only on a terminal, never with --json, so stdout stays clean). */
import cliProgress from "cli-progress";

export interface ProgressBar {
  update(value: number, payload?: Record<string, string | number>): void;
  setTotal(total: number): void;
  stop(): void;
}

const NO_BAR: ProgressBar = { update() {}, setTotal() {}, stop() {} };

export function progressBar(enabled: boolean, total: number, format: string): ProgressBar {
  if (!enabled || !process.stderr.isTTY) return NO_BAR;
  const bar = new cliProgress.SingleBar(
    { format, stream: process.stderr, hideCursor: true, clearOnComplete: true, etaBuffer: 50 },
    cliProgress.Presets.shades_classic,
  );
  // Drawn from the first update on, so the format's payload tokens never show unfilled ("{loss}").
  let shown = false;
  let barTotal = total;
  return {
    update: (v, payload) => {
      if (shown) bar.update(v, payload);
      else bar.start(barTotal, v, payload);
      shown = true;
    },
    setTotal: (n) => {
      barTotal = n;
      if (shown) bar.setTotal(n);
    },
    stop: () => {
      if (shown) bar.stop();
      shown = false;
    },
  };
}
