/**
 * Turns what a user typed into a command word and its arguments. Teams sends channel messages with the
 * mention as `<at>Name</at>` and may leave HTML entities or tags behind; none of that is part of the command.
 */
export function parseCommandText(text: string): { word: string; args: string } {
  const cleaned = text
    .replace(/<at>[^<]*<\/at>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;/gi, ' ')
    .replace(/&amp;/gi, '&')
    .replace(/&lt;/gi, '<')
    .replace(/&gt;/gi, '>')
    .replace(/\s+/g, ' ')
    .trim();
  const match = /^(\S+)\s*(.*)$/.exec(cleaned);
  if (!match) return { word: '', args: '' };
  return { word: match[1].toLowerCase(), args: match[2].trim() };
}

/**
 * The command a mistyped word most likely meant: the nearest by edit distance (transposed letters count
 * once), when it is near enough to be a slip rather than another word; undefined otherwise.
 */
export function closestCommand(word: string, commands: readonly string[]): string | undefined {
  const typed = word.toLowerCase().slice(0, 40);
  let best: { command: string; distance: number } | undefined;
  for (const command of commands) {
    const distance = editDistance(typed, command);
    if (!best || distance < best.distance) best = { command, distance };
  }
  if (!best) return undefined;
  const allowed = Math.max(1, Math.floor(best.command.length / 3));
  return best.distance <= allowed ? best.command : undefined;
}

/** Damerau–Levenshtein distance (optimal string alignment). */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.length][b.length];
}

/** Splits `word rest of text` into its first argument and the rest. */
export function splitArgs(args: string): [string, string] {
  const match = /^(\S*)\s*(.*)$/s.exec(args.trim());
  return [match?.[1] ?? '', match?.[2]?.trim() ?? ''];
}
