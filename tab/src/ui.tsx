import { FluentProvider, teamsLightTheme } from '@fluentui/react-components';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import type { Session } from './host/session';
import type { Loading } from './loading';
import { StartFailure } from './StartFailure';

/** React, Fluent UI and the views: loaded beside the sign-in and the first requests (see main.tsx). */
export function renderApp(session: Session, started: Loading): void {
  createRoot(document.getElementById('root')!).render(<App session={session} started={started} />);
}

export function renderStartFailure(message: string): void {
  createRoot(document.getElementById('root')!).render(
    <FluentProvider theme={teamsLightTheme}>
      <StartFailure message={message} />
    </FluentProvider>,
  );
}
