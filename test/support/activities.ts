import { randomUUID } from 'node:crypto';
import { TENANT_ID, TestUser } from './users';

/**
 * Teams-shaped activities, modelled on the captured payloads in test/fixtures/teams. Every builder takes
 * the fake connector's URL as serviceUrl, so the bot's answers come back to the test.
 */
export const BOT = { id: '28:11111111-2222-3333-4444-555555555555', name: 'RootMail' };
export const TEAM_ID = '19:8j-Mnacwmq2QFDbzykeQH5v55m6cN1X3QJ5viHvGIIQ1@thread.tacv2';
export const ONCALL_CHANNEL_ID = '19:d441d38c655c47a085215b2726e76927@thread.tacv2';
export const APPROVALS_CHANNEL_ID = '19:a0000000000000000000000000000000@thread.tacv2';

type Activity = Record<string, any>;

function from(user: TestUser) {
  return { id: `29:${user.aadObjectId}`, name: user.name, aadObjectId: user.aadObjectId };
}

export function personalConversationId(user: TestUser): string {
  return `a:personal-${user.aadObjectId}`;
}

export function personalMessage(serviceUrl: string, user: TestUser, text: string): Activity {
  return {
    type: 'message',
    id: randomUUID(),
    text,
    textFormat: 'plain',
    timestamp: new Date().toISOString(),
    channelId: 'msteams',
    serviceUrl,
    from: from(user),
    conversation: { conversationType: 'personal', tenantId: TENANT_ID, id: personalConversationId(user) },
    recipient: BOT,
    channelData: { tenant: { id: TENANT_ID } },
    locale: 'en-US',
  };
}

export function channelMessage(
  serviceUrl: string,
  user: TestUser,
  text: string,
  options: { mention?: boolean; channelId?: string; teamId?: string } = {},
): Activity {
  const mention = options.mention ?? true;
  const channelId = options.channelId ?? ONCALL_CHANNEL_ID;
  const teamId = options.teamId ?? TEAM_ID;
  const id = String(Date.now()) + Math.floor(Math.random() * 1000);
  return {
    type: 'message',
    id,
    text: mention ? `<at>${BOT.name}</at> ${text}` : text,
    textFormat: 'plain',
    channelId: 'msteams',
    serviceUrl,
    from: from(user),
    conversation: {
      isGroup: true,
      conversationType: 'channel',
      tenantId: TENANT_ID,
      id: `${channelId};messageid=${id}`,
    },
    recipient: BOT,
    entities: mention ? [{ mentioned: BOT, text: `<at>${BOT.name}</at>`, type: 'mention' }] : [],
    channelData: {
      teamsChannelId: channelId,
      teamsTeamId: teamId,
      channel: { id: channelId, name: 'On-call' },
      team: { id: teamId, name: 'Cloud Platform' },
      tenant: { id: TENANT_ID },
    },
  };
}

export function botAddedToTeam(serviceUrl: string, installer: TestUser, teamId = TEAM_ID): Activity {
  return {
    type: 'conversationUpdate',
    id: randomUUID(),
    channelId: 'msteams',
    serviceUrl,
    from: from(installer),
    conversation: { isGroup: true, conversationType: 'channel', tenantId: TENANT_ID, id: teamId },
    recipient: BOT,
    membersAdded: [{ id: BOT.id }],
    channelData: {
      team: { id: teamId, name: 'Cloud Platform', aadGroupId: '11111111-0000-0000-0000-000000000001' },
      eventType: 'teamMemberAdded',
      tenant: { id: TENANT_ID },
    },
  };
}

export function installedForUser(serviceUrl: string, user: TestUser): Activity {
  return {
    type: 'installationUpdate',
    action: 'add',
    id: randomUUID(),
    channelId: 'msteams',
    serviceUrl,
    from: from(user),
    conversation: { conversationType: 'personal', tenantId: TENANT_ID, id: personalConversationId(user) },
    recipient: BOT,
    channelData: { tenant: { id: TENANT_ID }, source: { name: 'message' } },
  };
}

/** An Action.Execute click (Universal Actions): an `adaptiveCard/action` invoke. */
export function cardAction(
  serviceUrl: string,
  user: TestUser,
  verb: string,
  data: Record<string, unknown> = {},
  conversation: { id: string; conversationType?: string } = { id: '' },
  replyToId?: string,
): Activity {
  const conversationId = conversation.id || personalConversationId(user);
  const type = conversation.conversationType ?? (conversationId.startsWith('a:') ? 'personal' : 'channel');
  return {
    type: 'invoke',
    name: 'adaptiveCard/action',
    id: randomUUID(),
    channelId: 'msteams',
    serviceUrl,
    from: from(user),
    conversation: { conversationType: type, tenantId: TENANT_ID, id: conversationId },
    recipient: BOT,
    replyToId,
    value: { action: { type: 'Action.Execute', verb, data }, trigger: 'manual' },
    channelData: { tenant: { id: TENANT_ID } },
  };
}

/** A legacy Action.Submit click: a message with `value` and the clicked card's id as replyToId. */
export function cardSubmit(
  serviceUrl: string,
  user: TestUser,
  data: Record<string, unknown>,
  replyToId: string,
): Activity {
  return { ...personalMessage(serviceUrl, user, ''), text: undefined, value: data, replyToId };
}
