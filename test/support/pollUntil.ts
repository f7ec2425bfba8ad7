/** How often a condition is looked at again while waiting for it. */
const POLL_INTERVAL_MS = 10;

/**
 * Waits until `condition` holds (not a fixed sleep: it returns as soon as it holds), failing with `what`
 * after `timeoutMs`. For events outside the app's background tracker (another process, a socket).
 */
export async function pollUntil(
  condition: () => boolean | Promise<boolean>,
  what: string | (() => string),
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline)
      throw new Error(`Timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, POLL_INTERVAL_MS));
  }
}
