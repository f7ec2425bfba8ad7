/**
 * How the npm scripts end on an error: one line saying what went wrong and what to check, never a stack.
 * A file that cannot be read names the file and why; anything else gives its message's first line.
 */
export function failureLine(err: unknown): string {
  const { code, path: file, message } = (err ?? {}) as { code?: unknown; path?: unknown; message?: unknown };
  const reasons: Record<string, string> = {
    ENOENT: 'no such file or folder: check the path',
    EACCES: 'permission denied',
    EISDIR: 'it is a folder, not a file',
  };
  if (typeof code === 'string' && reasons[code])
    return `Cannot read ${typeof file === 'string' ? file : 'the file'}: ${reasons[code]}.`;
  // Our own refusals may list what to fix on the lines after the first (a pool file's bad lines): kept. A
  // stack never is.
  const text = typeof message === 'string' && message ? message : String(err);
  return text
    .split('\n')
    .filter((line) => !/^\s+at /.test(line))
    .join('\n')
    .slice(0, 2000);
}

/** Runs a script's main and turns any failure into one line on stderr and exit code 1. */
export function runScript(main: () => Promise<void> | void): void {
  Promise.resolve()
    .then(main)
    .catch((err: unknown) => {
      console.error(failureLine(err));
      process.exitCode = 1;
    });
}
