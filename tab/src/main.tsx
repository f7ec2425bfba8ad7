import { FluentProvider, teamsLightTheme } from '@fluentui/react-components';
import { createRoot } from 'react-dom/client';
import { App, startLoading } from './App';
import { readSettings, startSession } from './host/session';
import { StartFailure } from './StartFailure';

const root = createRoot(document.getElementById('root')!);
startSession(readSettings()).then(
  // The first requests start now, while React renders the page for the first time.
  (session) => root.render(<App session={session} started={startLoading(session)} />),
  (err: Error) =>
    root.render(
      <FluentProvider theme={teamsLightTheme}>
        <StartFailure message={err.message} />
      </FluentProvider>,
    ),
);
