/** A one-line progress bar on stderr when it is a terminal; silent otherwise. */
export function progressBar(label: string): { update(fraction: number, stage?: string): void; done(): void } {
  const tty = process.stderr.isTTY === true;
  let last = -1;
  return {
    update(fraction, stage = "") {
      if (!tty) return;
      const pct = Math.max(0, Math.min(100, Math.round(fraction * 100)));
      if (pct === last) return;
      last = pct;
      const width = 30,
        fill = Math.round((pct / 100) * width);
      process.stderr.write(`\r${label} [${"#".repeat(fill)}${"-".repeat(width - fill)}] ${String(pct).padStart(3)}% ${stage}`.padEnd(80));
    },
    done() {
      if (tty && last >= 0) process.stderr.write("\n");
    },
  };
}
