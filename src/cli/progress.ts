/**
 * A progress line on stderr (stdout stays the command's result, for pipes).
 * On a terminal one line is redrawn in place; elsewhere (CI, a log file) a
 * plain line is written at most every tenth of the way, so logs stay short.
 */
export interface Progress {
  tick(note?: string): void;
  done(): void;
}

export function progress(
  label: string,
  total: number,
  stream: NodeJS.WriteStream = process.stderr,
): Progress {
  let n = 0;
  let lastShown = -1;
  const width = 30;
  const render = (note = '') => {
    const share = total === 0 ? 1 : n / total;
    if (stream.isTTY) {
      const filled = Math.round(share * width);
      stream.write(
        `\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${n}/${total} ${note}`.padEnd(100),
      );
      return;
    }
    const tenth = Math.floor(share * 10);
    if (tenth === lastShown && n !== total) return;
    lastShown = tenth;
    stream.write(`${label}: ${n}/${total}${note ? ` ${note}` : ''}\n`);
  };
  return {
    tick(note) {
      n += 1;
      render(note);
    },
    done() {
      if (stream.isTTY) stream.write('\n');
    },
  };
}
