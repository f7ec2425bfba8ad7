import { MessageBar, MessageBarBody, MessageBarTitle } from '@fluentui/react-components';

/** The tab could not start (no Teams, no sign-in set up): one sentence saying what to do. */
export function StartFailure({ message }: { message: string }) {
  return (
    <main style={{ padding: 24 }}>
      <h1 style={{ fontSize: 20 }}>RootMail</h1>
      <MessageBar intent="warning">
        <MessageBarBody>
          <MessageBarTitle>Cannot start</MessageBarTitle>
          {message}
        </MessageBarBody>
      </MessageBar>
    </main>
  );
}
