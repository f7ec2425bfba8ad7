import { readSettings, startSession } from './host/session';
import { startLoading } from './loading';

// The page's entry holds no React: it signs in (the Teams handshake and token, or the local sign-in) and
// sends the first requests at once, while React, Fluent UI and the views load beside it (index.html
// preloads that chunk too). The first render then finds its data on the way or already there.
const ui = import('./ui');
startSession(readSettings()).then(
  async (session) => {
    const started = startLoading(session);
    (await ui).renderApp(session, started);
  },
  async (err: Error) => (await ui).renderStartFailure(err.message),
);
