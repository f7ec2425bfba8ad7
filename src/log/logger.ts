import pino, { DestinationStream, Logger } from 'pino';
import { redact, redactText } from './redact';

export type { Logger } from 'pino';

/**
 * Structured JSON logs. Every object and message goes through the one redaction point before it is
 * written, so a secret passed by mistake is still masked.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { app: 'rootmail' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        log: (object) => redact(object) as Record<string, unknown>,
      },
      hooks: {
        logMethod(args, method) {
          const scrubbed = args.map((a) => (typeof a === 'string' ? redactText(a) : a)) as Parameters<
            typeof method
          >;
          return method.apply(this, scrubbed);
        },
      },
      serializers: { err: (e: Error) => redact(e) },
    },
    destination,
  );
}
