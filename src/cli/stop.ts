/**
 * Ctrl-C: the first SIGINT asks the running job to stop at its next slice or batch boundary (open
 * traces are then aborted, finished files stay); a second one removes temp files and exits at once.
 */
import { abortPendingWrites } from "../io/atomic-write.js";
import type { StopFlag } from "../jobs/drive.js";
import { EXIT_INTERRUPTED } from "./output.js";

export const stopFlag: StopFlag = { stopped: false };

export function installSigintHandler(): void {
  process.on("SIGINT", () => {
    if (stopFlag.stopped) {
      abortPendingWrites();
      process.stderr.write("tpusim: interrupted twice; temporary files removed\n");
      process.exit(EXIT_INTERRUPTED);
    }
    stopFlag.stopped = true;
    process.stderr.write("\ntpusim: stopping at the next safe point (Ctrl-C again to quit now)\n");
  });
}
