/**
 * What people read about a root access: where it stands, what will happen, what to do, how it ended. One
 * place for the wording, so cards, chat answers and the API say the same thing. Pure.
 */
import type { RootAccess } from './rootAccess';
import { describeRootCredentials, maskKeyId, RootCredentialRemoval } from './rootPosture';
import { formatTime } from './timeWording';

/** Where AWS's root sign-in starts (choose "Root user" there). */
export const ROOT_SIGN_IN_URL = 'https://signin.aws.amazon.com/';

const names = (access: RootAccess) => access.approvers.map((p) => p.name).join(' or ');

/** "payments-sandbox (123456789012)" */
export function accountLabel(access: Pick<RootAccess, 'account'>): string {
  return `${access.account.name} (${access.account.id})`;
}

/** The headline of every card: what is asked, for which account (for its approvers: who asks). */
export function rootAccessTitle(access: RootAccess, forApprover = false): string {
  if (forApprover)
    return access.kind === 'session'
      ? `${access.requester.name} asks for root access to ${accountLabel(access)}`
      : `${access.requester.name} asks to remove the root credentials of ${accountLabel(access)}`;
  return access.kind === 'session'
    ? `Root access to ${accountLabel(access)}`
    : `Remove the root credentials of ${accountLabel(access)}`;
}

/** Where it stands, in one line. */
export function describeRootAccess(access: RootAccess): string {
  const d = access.decision;
  const approved = d
    ? `Approved by ${d.by.name} at ${formatTime(d.at)}${d.comment ? ` (“${d.comment}”)` : ''}`
    : '';
  switch (access.state) {
    case 'pending':
      return `Waiting for ${names(access)} to approve (until ${formatTime(access.expiresAt)})`;
    case 'approved':
      return `${approved}. ${access.requester.name} can start the session until ${formatTime(access.startBy)}.`;
    case 'opening':
      return `Starting: allowing password recovery for the root user (started ${formatTime(access.startedAt)})…`;
    case 'open':
      return `Open until ${formatTime(access.endsAt)}: password recovery is allowed, and AWS's reset mail goes to ${access.requester.name} alone.`;
    case 'closing':
      return access.kind === 'session'
        ? `Closing (${endedHow(access)}): removing the root password${access.toRemove && extrasOf(access.toRemove) ? ` and ${extrasOf(access.toRemove)}` : ''}…`
        : `${approved}. Removing ${access.toRemove ? describeRemoval(access.toRemove) || 'nothing (none left)' : 'the root credentials'}…`;
    case 'closed':
      return closedLine(access);
  }
}

function endedHow(access: RootAccess, withTime = true): string {
  const e = access.ended;
  if (!e) return 'ended';
  const minutes = minutesOf(access);
  return e.how === 'timer'
    ? `its ${minutes} minute${minutes === 1 ? ' is' : 's are'} over`
    : `ended by ${e.by?.name ?? 'someone'}${withTime ? ` at ${formatTime(e.at)}` : ''}`;
}

function minutesOf(access: RootAccess): number {
  return Math.round((Date.parse(access.endsAt ?? '') - Date.parse(access.startedAt ?? '')) / 60_000);
}

function closedLine(access: RootAccess): string {
  const c = access.closed!;
  const d = access.decision;
  switch (c.outcome) {
    case 'rejected':
      return `Rejected by ${d?.by.name}${d?.comment ? `: “${d.comment}”` : ' (no comment)'}. Nothing was changed in AWS.`;
    case 'expired':
      return `Expired at ${formatTime(c.at)}: nobody decided in time. Nothing was changed in AWS.`;
    case 'withdrawn':
      return `Withdrawn by ${access.ended?.by?.name ?? access.requester.name} at ${formatTime(c.at)}. Nothing was changed in AWS.`;
    case 'start-expired':
      return `Not started in time (Start was offered until ${formatTime(access.startBy)}). Nothing was changed in AWS.`;
    case 'refused-by-aws':
      return `AWS refused to open the session: ${c.problem} Nothing was changed in AWS.`;
    case 'done':
      return access.kind === 'session' ? sessionEnd(access) : removalEnd(access);
  }
}

function sessionEnd(access: RootAccess): string {
  const c = access.closed!;
  const removedText = access.toRemove ? describeRemoval(access.toRemove) : '';
  const head = `Closed at ${formatTime(c.at)} (${endedHow(access, false)})`;
  if (c.problem)
    return `${head}, but the removal failed: ${c.problem} The root user has ${afterText(access)}.`;
  return `${head}: ${removedText ? `removed ${removedText}` : 'nothing to remove'}. The root user now has ${afterText(access)}.`;
}

function removalEnd(access: RootAccess): string {
  const c = access.closed!;
  const removedText = access.toRemove ? describeRemoval(access.toRemove) : '';
  if (c.problem) return `The removal failed: ${c.problem} The root user has ${afterText(access)}.`;
  return `Done at ${formatTime(c.at)}: ${removedText ? `removed ${removedText}` : 'nothing was left to remove'}. The root user now has ${afterText(access)}.`;
}

function afterText(access: RootAccess): string {
  return access.after ? describeRootCredentials(access.after) : 'credentials that could not be read again';
}

/** "the password, access key AKIA…WXYZ and 1 MFA device" ('' for nothing). */
export function describeRemoval(removal: RootCredentialRemoval): string {
  const parts = [removal.password ? 'the password' : '', extrasOf(removal)].filter(Boolean);
  return parts.join(' and ');
}

/** What besides the password: keys by masked id, certificates and MFA devices counted. */
function extrasOf(removal: RootCredentialRemoval): string {
  const n = (count: number, one: string) => (count ? `${count} ${one}${count === 1 ? '' : 's'}` : '');
  return [
    removal.accessKeyIds.length
      ? `access key${removal.accessKeyIds.length === 1 ? '' : 's'} ${removal.accessKeyIds.map(maskKeyId).join(', ')}`
      : '',
    n(removal.signingCertificateIds.length, 'signing certificate'),
    n(removal.mfaSerialNumbers.length, 'MFA device'),
  ]
    .filter(Boolean)
    .join(', ');
}

/** What approving means, on the approver's card (a session's promise, a removal's list). */
export function whatHappens(access: RootAccess, minutes: number, startHours: number): string {
  if (access.kind === 'removal')
    return (
      'Approving removes, in AWS: every root access key and signing certificate, and the root password' +
      (access.removal?.mfa ? ', and deactivates every root MFA device' : ' (MFA devices stay)') +
      '. The root user is audited again afterwards and the result shown here.'
    );
  return (
    `Approving lets ${access.requester.name} start a ${minutes}-minute session within ${startHours} hours: ` +
    'RootMail then allows password recovery for the root user (CreateLoginProfile without a password) and hands ' +
    `AWS's reset mail to ${access.requester.name} alone. At the end the password is removed again, with anything ` +
    'else created during the session, and the root user is audited again.'
  );
}

/** Exactly what the requester does once the session is open. */
export function signInSteps(access: RootAccess): string[] {
  return [
    `Open [${ROOT_SIGN_IN_URL}](${ROOT_SIGN_IN_URL}), choose “Root user” and enter ${access.account.rootEmail}.`,
    'Choose “Forgot password?”: AWS mails a reset link to that address.',
    'The reset link comes to you here, in this chat, masked: Reveal shows it to you alone. Nobody else gets it.',
    `Set a new password and sign in. When you are done, say \`root-access done ${access.account.name}\` or choose Done; at ${formatTime(access.endsAt)} the session closes by itself and the password is removed again.`,
  ];
}

/** On-call's line when a reset link went to the requester: to whom, for which approved session (never the link). */
export function handedLine(access: RootAccess, label: string): string {
  return (
    `${label} for ${accountLabel(access)} was handed to ${access.requester.name} alone, for root-access session ` +
    `${access.id} approved by ${access.decision?.by.name ?? 'an approver'} (reason: ${access.reason}).`
  );
}
