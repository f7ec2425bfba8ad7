/**
 * Times as people read them on cards and in messages: `2026-01-01 09:00 UTC` (one form everywhere, sortable,
 * no locale guessing: a card is read by people in different time zones). The audit card adds the exact ISO
 * time beside it, since there it is evidence.
 */
export function formatTime(iso: string | undefined): string {
  if (!iso) return '';
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  const utc = at.toISOString();
  return `${utc.slice(0, 10)} ${utc.slice(11, 16)} UTC`;
}
