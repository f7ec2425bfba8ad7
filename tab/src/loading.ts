/**
 * What the tab asks for first, and which view it shows: no React here, so the sign-in and the first
 * requests start while React and Fluent UI are still loading (see main.ts).
 */
import { Api, MeView, RegistryPageView } from './api';
import type { Session } from './host/session';

/** Rows on a page of the registry (the first page is asked for before the first render). */
export const REGISTRY_PAGE_SIZE = 25;

export type ViewName = 'registry' | 'pool' | 'approvals';
export const VIEWS: { name: ViewName; title: string }[] = [
  { name: 'registry', title: 'Registry' },
  { name: 'pool', title: 'Pool' },
  { name: 'approvals', title: 'Approvals' },
];

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

export function viewFromUrl(session: Session): ViewName {
  const asked =
    new URLSearchParams(location.search).get('view') ??
    (session.kind === 'teams' ? session.host.pageId : undefined);
  return VIEWS.some((v) => v.name === asked) ? (asked as ViewName) : 'registry';
}
