import { FluentProvider, teamsLightTheme } from '@fluentui/react-components';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { readSettings, startSession } from './host/session';
import { StartFailure } from './StartFailure';

const root = createRoot(document.getElementById('root')!);
startSession(readSettings()).then(
  (session) => root.render(<App session={session} />),
  (err: Error) =>
    root.render(
      <FluentProvider theme={teamsLightTheme}>
        <StartFailure message={err.message} />
      </FluentProvider>,
    ),
);
