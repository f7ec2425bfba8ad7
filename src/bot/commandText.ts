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

/** Splits `word rest of text` into its first argument and the rest. */
export function splitArgs(args: string): [string, string] {
  const match = /^(\S*)\s*(.*)$/s.exec(args.trim());
  return [match?.[1] ?? '', match?.[2]?.trim() ?? ''];
}
