import type {
  AuditEntryView,
  MeView,
  PoolHistoryView,
  RecordDetailView,
  RecordView,
  RegistryPageView,
  RequestView,
} from '../../src/http/apiViews';
import type { PoolStatus } from '../../src/domain/pool';
import type { RootAccessView } from '../../src/http/rootAccessApi';

export type {
  AuditEntryView,
  MeView,
  PoolHistoryView,
  PoolStatus,
  RecordDetailView,
  RootAccessView,
  RecordView,
  RegistryPageView,
  RequestView,
};

/** A refusal or failure of the API, in the words of its problem+json detail (written for people). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** How each request proves who calls: a bearer token in Teams, a local session in a local run. */
export interface Credentials {
  header(): Promise<string>;
  /** The credential was refused (expired, the app restarted): get a new one, once. */
  renew(): Promise<void>;
}

export interface RegistryQuery {
  q?: string;
  state?: string;
  mailbox?: string;
  offset?: number;
  limit?: number;
}

/** The /api/v1 calls the tab makes: the same API automation uses. */
export class Api {
  constructor(private readonly credentials: Credentials) {}

  me = () => this.call<MeView>('GET', '/api/v1/me');
  search = (query: RegistryQuery) =>
    this.call<RegistryPageView>('GET', `/api/v1/addresses/search${queryString({ ...query })}`);
  owned = (ownerId: string) =>
    this.call<RecordView[]>('GET', `/api/v1/addresses${queryString({ owner: ownerId })}`);
  record = (address: string) =>
    this.call<RecordDetailView>('GET', `/api/v1/addresses/${encodeURIComponent(address)}`);
  audit = (address: string) =>
    this.call<{ items: AuditEntryView[] }>(
      'GET',
      `/api/v1/addresses/${encodeURIComponent(address)}/audit?timeZone=${encodeURIComponent(browserTimeZone())}`,
    );
  change = (address: string, body: { awsAccountId?: string; owner?: string }) =>
    this.call<RecordView>('PATCH', `/api/v1/addresses/${encodeURIComponent(address)}`, body);
  retire = (address: string, reason: string) =>
    this.call<RecordView>(
      'DELETE',
      `/api/v1/addresses/${encodeURIComponent(address)}${queryString({ reason })}`,
    );
  pool = () => this.call<PoolStatus>('GET', '/api/v1/pool');
  poolHistory = (days: number, mailbox?: string) =>
    this.call<PoolHistoryView>('GET', `/api/v1/pool/history${queryString({ days: String(days), mailbox })}`);
  approvals = () => this.call<{ items: RequestView[] }>('GET', '/api/v1/me/approvals');
  myRequests = () => this.call<{ items: RequestView[] }>('GET', '/api/v1/me/requests');
  decide = (requestId: string, decision: 'approve' | 'reject', comment: string) =>
    this.call<RequestView>('POST', `/api/v1/requests/${encodeURIComponent(requestId)}/decision`, {
      decision,
      ...(comment.trim() ? { comment: comment.trim() } : {}),
    });
  /** Break-glass root access to the record's AWS account; approval, Start and the reset link follow in Teams. */
  askRootAccess = (account: string, reason: string) =>
    this.call<RootAccessView>('POST', '/api/v1/root-access', { account, reason });
  cancel = (requestId: string) =>
    this.call<RequestView>('POST', `/api/v1/requests/${encodeURIComponent(requestId)}/cancel`);

  private async call<T>(method: string, path: string, body?: unknown, renewed = false): Promise<T> {
    const res = await fetch(path, {
      method,
      headers: {
        authorization: await this.credentials.header(),
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status === 401 && !renewed) {
      await this.credentials.renew();
      return this.call<T>(method, path, body, true);
    }
    const text = await res.text();
    const json = text ? (JSON.parse(text) as unknown) : undefined;
    if (!res.ok) {
      const detail = (json as { detail?: unknown } | undefined)?.detail;
      throw new ApiError(
        res.status,
        typeof detail === 'string' ? detail : `The server answered ${res.status}.`,
      );
    }
    return json as T;
  }
}

function queryString(params: Record<string, string | number | undefined>): string {
  const entries = Object.entries(params).filter(([, v]) => v !== undefined && v !== '');
  return entries.length ? `?${new URLSearchParams(entries.map(([k, v]) => [k, String(v)])).toString()}` : '';
}

/** The reader's time zone as the browser knows it (history times are shown in it, zone named). */
function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}
