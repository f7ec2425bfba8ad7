import type { Logger } from '../log/logger';
import type { AppInstallationPort } from '../ports/appInstallation';
import type { ChatPort } from '../ports/chat';
import type { AuditLog } from './auditLog';

/**
 * The chat port for request work when INSTALL_APP_FOR_APPROVERS is on: when Teams refuses a 1:1 chat (the app
 * is not installed for that person), the app is installed for them through Graph and the post is tried once
 * more. If Teams still refuses (an installation can take a moment to apply), the caller falls back as before
 * (approvals channel, or undelivered); the installation then reaches the bot as an `installationUpdate`, and
 * undelivered approvals for that person go out at that first contact.
 */
export function appInstallingChat(
  chat: ChatPort,
  deps: { installer: AppInstallationPort; audit: AuditLog; logger: Logger },
): ChatPort {
  return {
    post: (reference, message) => chat.post(reference, message),
    postToChannel: (reference, message) => chat.postToChannel(reference, message),
    update: (posted, message) => chat.update(posted, message),
    getMember: (reference, aadObjectId, teamId) => chat.getMember(reference, aadObjectId, teamId),
    postToUser: async (user, message) => {
      try {
        return await chat.postToUser(user, message);
      } catch (refused) {
        const outcome = await deps.installer.installFor(user.aadObjectId).catch((err) => {
          deps.logger.warn({ err, userId: user.aadObjectId }, 'could not install the Teams app for a user');
          throw refused;
        });
        deps.logger.info(
          { userId: user.aadObjectId, outcome },
          'Teams app installed for a user to reach them',
        );
        if (outcome === 'installed')
          await deps.audit.record({
            subject: `user:${user.aadObjectId}`,
            action: 'app.installed-for-user',
            actorId: 'system',
            actorName: 'RootMail',
            detail: 'no personal chat could be opened (INSTALL_APP_FOR_APPROVERS)',
          });
        return chat.postToUser(user, message);
      }
    },
  };
}
