import { Badge, MessageBar, MessageBarBody } from '@fluentui/react-components';
import type { ReactNode } from 'react';

/** A refusal or failure, in the server's words (problem+json detail), announced to screen readers. */
export function Problem({ text }: { text: string }) {
  return (
    <MessageBar intent="error" role="alert">
      <MessageBarBody>{withCode(text)}</MessageBarBody>
    </MessageBar>
  );
}

/**
 * The server's sentences mark what to type or what was typed in backticks (chat shows them as code):
 * here they are code too, never literal backticks. React escapes the text; nothing else is interpreted.
 */
export function withCode(text: string): ReactNode[] {
  return text.split('`').map((part, i) => (i % 2 === 1 ? <code key={i}>{part}</code> : part));
}

export function Done({ text }: { text: string }) {
  return (
    <MessageBar intent="success" role="status">
      <MessageBarBody>{text}</MessageBarBody>
    </MessageBar>
  );
}

const STATE_COLOURS = {
  available: 'success',
  assigned: 'brand',
  quarantined: 'warning',
  retired: 'subtle',
  pending: 'warning',
  approved: 'brand',
  'waiting-for-capacity': 'warning',
  fulfilled: 'success',
  rejected: 'danger',
  cancelled: 'subtle',
  expired: 'subtle',
  failed: 'danger',
} as const;

export function StateBadge({ state }: { state: string }) {
  const color = STATE_COLOURS[state as keyof typeof STATE_COLOURS] ?? 'informative';
  return (
    <Badge appearance="tint" color={color}>
      {state}
    </Badge>
  );
}

/** A time as people read it, in their own zone; the ISO time stays available as the element's title. */
export function When({ at }: { at?: string }) {
  if (!at) return <>—</>;
  const date = new Date(at);
  const text = date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  return (
    <time dateTime={at} title={at}>
      {text}
    </time>
  );
}
