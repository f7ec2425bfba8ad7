import {
  Button,
  Field,
  Input,
  Link,
  makeStyles,
  Select,
  Spinner,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  tokens,
} from '@fluentui/react-components';
import { useEffect, useRef, useState } from 'react';
import { Api, ApiError, MeView, RecordView, RegistryPageView } from '../api';
import { REGISTRY_PAGE_SIZE } from '../loading';
import { Problem, StateBadge } from './common';
import { RecordPanel } from './RecordPanel';

const PAGE_SIZE = REGISTRY_PAGE_SIZE;
const STATES = ['available', 'assigned', 'quarantined', 'retired'];

const useStyles = makeStyles({
  filters: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalM, alignItems: 'start' },
  search: { flexGrow: 1, minWidth: '260px', maxWidth: '520px' },
  layout: {
    display: 'flex',
    flexWrap: 'wrap',
    gap: tokens.spacingHorizontalXL,
    marginTop: tokens.spacingVerticalL,
  },
  list: { flex: '3 1 640px', minWidth: 0, overflowX: 'auto' },
  panel: { flex: '2 1 360px', minWidth: 0 },
  table: { backgroundColor: tokens.colorNeutralBackground1 },
  mono: { fontFamily: tokens.fontFamilyMonospace, fontSize: tokens.fontSizeBase200, whiteSpace: 'nowrap' },
  pager: {
    display: 'flex',
    alignItems: 'center',
    gap: tokens.spacingHorizontalM,
    marginTop: tokens.spacingVerticalM,
  },
  // Colour alone does not say "disabled" in high contrast (Teams draws it green, which reads as a live
  // control): a dashed outline does, in every theme. Passed as the button's className, so Fluent merges it
  // over its own styles.
  disabledPage: {
    borderTopStyle: 'dashed',
    borderRightStyle: 'dashed',
    borderBottomStyle: 'dashed',
    borderLeftStyle: 'dashed',
    cursor: 'not-allowed',
  },
  caption: {
    textAlign: 'start',
    padding: `${tokens.spacingVerticalS} 0`,
    color: tokens.colorNeutralForeground2,
  },
});

interface Listing {
  rows: RecordView[];
  /** What the rows are: a search, every record, or only the caller's own. */
  what: 'search' | 'all' | 'own';
  offset: number;
  nextOffset?: number;
}

/**
 * The registry: search by account name, account id, address or owner (the start of any, any case),
 * filter by state and mailbox, page through, open a record. Admins see every record before they type;
 * everyone else starts with their own.
 */
export function RegistryView(props: {
  api: Api;
  me: Promise<MeView>;
  firstPage?: Promise<RegistryPageView>;
}) {
  const { api, me } = props;
  const styles = useStyles();
  const [text, setText] = useState('');
  const [query, setQuery] = useState('');
  const [state, setState] = useState('');
  const [mailbox, setMailbox] = useState('');
  const [offset, setOffset] = useState(0);
  const [listing, setListing] = useState<Listing>();
  const [problem, setProblem] = useState<string>();
  const [loading, setLoading] = useState(true);
  const [mailboxes, setMailboxes] = useState<string[]>([]);
  const [selected, setSelected] = useState<string | undefined>(
    () => new URLSearchParams(location.search).get('address') ?? undefined,
  );
  const [changes, setChanges] = useState(0);
  const rowButtons = useRef(new Map<string, HTMLElement>());
  // The first page was asked for before the first render (see startLoading); used once, unfiltered.
  const firstPage = useRef(props.firstPage);

  // Typing waits a moment before searching; filters and paging apply at once.
  useEffect(() => {
    const timer = setTimeout(() => {
      setQuery(text.trim());
      setOffset(0);
    }, 250);
    return () => clearTimeout(timer);
  }, [text]);

  // The mailbox filter's choices, once the first rows are shown (they come first).
  const listed = listing !== undefined;
  useEffect(() => {
    if (!listed) return;
    void api.pool().then(
      (p) => setMailboxes(p.mailboxes.map((m) => m.mailbox)),
      () => undefined,
    );
  }, [api, listed]);

  useEffect(() => {
    let current = true;
    setLoading(true);
    const unfiltered = !query && !state && !mailbox && offset === 0;
    const prefetched = unfiltered ? firstPage.current : undefined;
    firstPage.current = undefined;
    const search =
      prefetched ??
      api.search({
        q: query || undefined,
        state: state || undefined,
        mailbox: mailbox || undefined,
        offset,
        limit: PAGE_SIZE,
      });
    search
      .then(
        (page): Listing => ({
          rows: page.items,
          what: query ? 'search' : 'all',
          offset: page.offset,
          nextOffset: page.nextOffset,
        }),
        async (err) => {
          // Only admins list everything; everyone else starts with their own records.
          if (!(err instanceof ApiError && err.status === 403 && !query)) throw err;
          const own = await api.owned((await me).id);
          const filtered = own.filter(
            (r) => (!state || r.state === state) && (!mailbox || r.mailbox === mailbox),
          );
          return { rows: filtered, what: 'own' as const, offset: 0 };
        },
      )
      .then(
        (next) => {
          if (!current) return;
          setListing(next);
          setProblem(undefined);
        },
        (err: Error) => current && setProblem(err.message),
      )
      .finally(() => current && setLoading(false));
    return () => {
      current = false;
    };
  }, [api, me, query, state, mailbox, offset, changes]);

  const open = (address: string | undefined) => {
    setSelected(address);
    const url = new URL(location.href);
    if (address) url.searchParams.set('address', address);
    else url.searchParams.delete('address');
    history.replaceState(null, '', url);
  };
  const close = () => {
    const was = selected;
    open(undefined);
    if (was) rowButtons.current.get(was)?.focus();
  };

  const caption =
    listing?.what === 'own'
      ? `Your addresses (${listing.rows.length})`
      : listing?.what === 'all'
        ? 'Every address, by address'
        : `Addresses matching “${query}”, by what matched`;
  const shown = listing
    ? `${listing.rows.length ? listing.offset + 1 : 0}–${listing.offset + listing.rows.length}`
    : '';

  return (
    <section aria-labelledby="registry-title">
      <h2 id="registry-title" style={{ marginTop: 0 }}>
        Registry
      </h2>
      <div className={styles.filters} role="search">
        <Field
          label="Search"
          hint="Account name, AWS account id, address or owner: the start of any"
          className={styles.search}
        >
          <Input
            type="search"
            value={text}
            onChange={(_, d) => setText(d.value)}
            placeholder="e.g. payments, 1234, alex"
          />
        </Field>
        <Field label="State">
          <Select value={state} onChange={(_, d) => (setState(d.value), setOffset(0))}>
            <option value="">Any state</option>
            {STATES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="Mailbox">
          <Select value={mailbox} onChange={(_, d) => (setMailbox(d.value), setOffset(0))}>
            <option value="">Any mailbox</option>
            {mailboxes.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </Select>
        </Field>
      </div>
      <div className={styles.layout}>
        <div className={styles.list}>
          {problem && <Problem text={problem} />}
          <Table size="small" className={styles.table} aria-busy={loading}>
            <caption className={styles.caption}>
              {caption} {loading && <Spinner size="tiny" label="Loading" labelPosition="after" />}
            </caption>
            <TableHeader>
              <TableRow>
                <TableHeaderCell>Address</TableHeaderCell>
                <TableHeaderCell>Account name</TableHeaderCell>
                <TableHeaderCell>AWS account</TableHeaderCell>
                <TableHeaderCell>Owner</TableHeaderCell>
                <TableHeaderCell>State</TableHeaderCell>
              </TableRow>
            </TableHeader>
            <TableBody>
              {listing?.rows.map((r) => (
                <TableRow key={r.address} aria-selected={r.address === selected} data-address={r.address}>
                  <TableCell>
                    <Link
                      as="button"
                      className={styles.mono}
                      ref={(el: HTMLElement | null) => {
                        if (el) rowButtons.current.set(r.address, el);
                        else rowButtons.current.delete(r.address);
                      }}
                      onClick={() => open(r.address)}
                    >
                      {r.address}
                    </Link>
                  </TableCell>
                  <TableCell>{r.accountName ?? '—'}</TableCell>
                  <TableCell className={styles.mono}>{r.awsAccountId ?? '—'}</TableCell>
                  <TableCell>{r.owner ? (r.owner.name ?? r.owner.upn ?? r.owner.id) : '—'}</TableCell>
                  <TableCell>
                    <StateBadge state={r.state} />
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
          {listing && !listing.rows.length && !loading && (
            <Text as="p">{query ? `Nothing starts with “${query}”.` : 'No addresses here yet.'}</Text>
          )}
          {listing?.what !== 'own' && (
            <div className={styles.pager}>
              <Button
                disabled={!listing || listing.offset === 0}
                className={!listing || listing.offset === 0 ? styles.disabledPage : undefined}
                onClick={() => setOffset(Math.max(0, offset - PAGE_SIZE))}
              >
                Previous
              </Button>
              <Button
                disabled={listing?.nextOffset === undefined}
                className={listing?.nextOffset === undefined ? styles.disabledPage : undefined}
                onClick={() => setOffset(listing!.nextOffset!)}
              >
                Next
              </Button>
              <Text aria-live="polite">{listing && `Showing ${shown}`}</Text>
            </div>
          )}
        </div>
        {selected && (
          <div className={styles.panel}>
            <RecordPanel
              api={api}
              address={selected}
              onClose={close}
              onChanged={() => setChanges((n) => n + 1)}
            />
          </div>
        )}
      </div>
    </section>
  );
}
