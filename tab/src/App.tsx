import { Badge, FluentProvider, Link, makeStyles, Select, Text, tokens } from '@fluentui/react-components';
import { useEffect, useState } from 'react';
import { Api, MeView, RegistryPageView } from './api';
import { localSession, rememberLocalPerson, Session } from './host/session';
import type { HostTheme } from './host/teamsHost';
import { fluentTheme, initialTheme } from './theme';
import { ApprovalsView } from './views/ApprovalsView';
import { PoolView } from './views/PoolView';
import { REGISTRY_PAGE_SIZE, RegistryView } from './views/RegistryView';

export type ViewName = 'registry' | 'pool' | 'approvals';
const VIEWS: { name: ViewName; title: string }[] = [
  { name: 'registry', title: 'Registry' },
  { name: 'pool', title: 'Pool' },
  { name: 'approvals', title: 'Approvals' },
];

const useStyles = makeStyles({
  shell: {
    minHeight: '100vh',
    boxSizing: 'border-box',
    backgroundColor: tokens.colorNeutralBackground2,
    color: tokens.colorNeutralForeground1,
  },
  header: {
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'center',
    gap: tokens.spacingHorizontalL,
    padding: `${tokens.spacingVerticalM} ${tokens.spacingHorizontalXL}`,
    backgroundColor: tokens.colorNeutralBackground1,
    borderBottom: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
  },
  title: { margin: 0, fontSize: tokens.fontSizeBase500, fontWeight: tokens.fontWeightSemibold },
  nav: { display: 'flex', gap: tokens.spacingHorizontalL },
  navLink: { fontSize: tokens.fontSizeBase300, padding: `${tokens.spacingVerticalXS} 0` },
  current: { fontWeight: tokens.fontWeightSemibold, borderBottom: `2px solid ${tokens.colorBrandStroke1}` },
  who: { marginLeft: 'auto', display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalS },
  main: { padding: `${tokens.spacingVerticalL} ${tokens.spacingHorizontalXL}`, maxWidth: '1400px' },
});

/** What a session loads first; started before the first render so the requests overlap with it. */
export interface Loading {
  session: Session;
  api: Api;
  me: Promise<MeView>;
  /** The registry's first page (every record, for admins), when the registry is the view shown. */
  firstPage?: Promise<RegistryPageView>;
}

export function startLoading(session: Session): Loading {
  const api = new Api(session.credentials);
  const me = api.me();
  me.catch(() => undefined); // the views report failures; this promise is only shared
  const firstPage =
    viewFromUrl(session) === 'registry' && !new URLSearchParams(location.search).get('address')
      ? api.search({ offset: 0, limit: REGISTRY_PAGE_SIZE })
      : undefined;
  firstPage?.catch(() => undefined);
  return { session, api, me, firstPage };
}

function viewFromUrl(session: Session): ViewName {
  const asked =
    new URLSearchParams(location.search).get('view') ??
    (session.kind === 'teams' ? session.host.pageId : undefined);
  return VIEWS.some((v) => v.name === asked) ? (asked as ViewName) : 'registry';
}

/**
 * The tab: a header with who is signed in, the three views, and outside Teams its own navigation (in
 * Teams each view is a tab of the personal app, so Teams shows the navigation itself).
 */
export function App({ session: first, started }: { session: Session; started: Loading }) {
  const styles = useStyles();
  const [loading, setLoading] = useState(started);
  const { session, api, me, firstPage } = loading;
  const [theme, setTheme] = useState<HostTheme>(() => initialTheme(first));
  const [view, setView] = useState<ViewName>(() => viewFromUrl(first));
  const [who, setWho] = useState<MeView>();

  useEffect(() => {
    void me.then(setWho, () => undefined);
  }, [me]);
  useEffect(() => {
    if (first.kind !== 'teams') return;
    first.host.onThemeChange(setTheme);
    first.host.ready();
  }, [first]);
  useEffect(() => {
    const onPop = () => setView(viewFromUrl(session));
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, [session]);

  const go = (next: ViewName, params: Record<string, string> = {}) => {
    const url = new URL(location.href);
    url.search = new URLSearchParams({
      ...Object.fromEntries(url.searchParams),
      view: next,
      ...params,
    }).toString();
    if (!params.address) url.searchParams.delete('address');
    history.pushState(null, '', url);
    setView(next);
  };

  const actAs = async (id: string) => {
    rememberLocalPerson(id);
    setLoading(startLoading(await localSession(id)));
  };

  const title = VIEWS.find((v) => v.name === view)!.title;
  useEffect(() => {
    document.title = `${title} · RootMail`;
  }, [title]);

  return (
    <FluentProvider theme={fluentTheme(theme)}>
      <div className={styles.shell}>
        <header className={styles.header}>
          <h1 className={styles.title}>RootMail</h1>
          {session.kind === 'local' && (
            <nav aria-label="RootMail" className={styles.nav}>
              {VIEWS.map((v) => (
                <Link
                  key={v.name}
                  href={`?view=${v.name}`}
                  aria-current={v.name === view ? 'page' : undefined}
                  className={`${styles.navLink} ${v.name === view ? styles.current : ''}`}
                  onClick={(e) => {
                    e.preventDefault();
                    go(v.name);
                  }}
                >
                  {v.title}
                </Link>
              ))}
            </nav>
          )}
          <div className={styles.who}>
            {session.kind === 'local' ? (
              <>
                <Badge appearance="tint" color="informative">
                  Local run
                </Badge>
                <label htmlFor="act-as">
                  <Text size={200}>Signed in as</Text>
                </label>
                <Select
                  id="act-as"
                  size="small"
                  value={session.user.id}
                  onChange={(_, d) => void actAs(d.value)}
                >
                  {session.people.map((p) => (
                    <option key={p.id} value={p.id}>
                      {p.name}
                    </option>
                  ))}
                </Select>
              </>
            ) : (
              who && <Text size={200}>Signed in as {who.name}</Text>
            )}
            {who?.admin && (
              <Badge appearance="outline" color="brand">
                Admin
              </Badge>
            )}
          </div>
        </header>
        <main className={styles.main} key={session.kind === 'local' ? session.user.id : 'teams'}>
          {view === 'registry' && <RegistryView api={api} me={me} firstPage={firstPage} />}
          {view === 'pool' && <PoolView api={api} />}
          {view === 'approvals' && (
            <ApprovalsView api={api} openRecord={(address) => go('registry', { address })} />
          )}
        </main>
      </div>
    </FluentProvider>
  );
}
