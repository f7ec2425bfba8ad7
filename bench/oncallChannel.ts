import type { RootMailApp } from '../src/main/createApp';
import { ONCALL_CHANNEL_ID, TEAM_ID } from '../test/support/activities';

/** Makes the test team's channel on the fake connector the on-call channel, as `setup oncall` would. */
export async function useOnCallChannel(app: RootMailApp, connectorUrl: string): Promise<void> {
  await app.services.conversations.setChannelRole(
    'oncall',
    {
      kind: 'channel',
      teamId: TEAM_ID,
      channelId: ONCALL_CHANNEL_ID,
      serviceUrl: connectorUrl,
      reference: {
        serviceUrl: connectorUrl,
        channelId: 'msteams',
        conversation: { id: ONCALL_CHANNEL_ID, conversationType: 'channel' },
      },
    },
    'bench',
  );
}
