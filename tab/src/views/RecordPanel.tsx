import { Button, Field, Input, makeStyles, Spinner, Text, tokens } from '@fluentui/react-components';
import { FormEvent, ReactNode, useEffect, useRef, useState } from 'react';
import { Api, ApiError, AuditEntryView, RecordDetailView } from '../api';
import { Done, Problem, StateBadge, When } from './common';

const useStyles = makeStyles({
  panel: {
    backgroundColor: tokens.colorNeutralBackground1,
    border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
    borderRadius: tokens.borderRadiusMedium,
    padding: tokens.spacingHorizontalL,
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalM,
  },
  head: { display: 'flex', alignItems: 'start', gap: tokens.spacingHorizontalS },
  title: {
    margin: 0,
    fontSize: tokens.fontSizeBase400,
    wordBreak: 'break-all',
    flexGrow: 1,
    ':focus': { outline: 'none' },
    ':focus-visible': {
      outline: `${tokens.strokeWidthThick} solid ${tokens.colorStrokeFocus2}`,
      outlineOffset: '2px',
      borderRadius: tokens.borderRadiusSmall,
    },
  },
  facts: {
    display: 'grid',
    gridTemplateColumns: 'max-content 1fr',
    gap: `${tokens.spacingVerticalXS} ${tokens.spacingHorizontalM}`,
    margin: 0,
  },
  term: { color: tokens.colorNeutralForeground2 },
  fact: { margin: 0, wordBreak: 'break-word' },
  form: { display: 'flex', gap: tokens.spacingHorizontalS, alignItems: 'end', flexWrap: 'wrap' },
  grow: { flexGrow: 1 },
  history: {
    margin: 0,
    paddingInlineStart: tokens.spacingHorizontalL,
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalS,
  },
  subtitle: { margin: 0, fontSize: tokens.fontSizeBase300 },
});

/**
 * One record: its facts, its history (for its owner and admins), and for them link / transfer / retire,
 * each refused or done by the server with the same rules as chat.
 */
export function RecordPanel(props: { api: Api; address: string; onClose(): void; onChanged(): void }) {
  const { api, address, onClose, onChanged } = props;
  const styles = useStyles();
  const [record, setRecord] = useState<RecordDetailView>();
  const [history, setHistory] = useState<AuditEntryView[] | string>();
  const [problem, setProblem] = useState<string>();
  const [done, setDone] = useState<string>();
  const [reload, setReload] = useState(0);
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    let current = true;
    setProblem(undefined);
    api.record(address).then(
      (r) => current && setRecord(r),
      (err: Error) => current && (setRecord(undefined), setProblem(err.message)),
    );
    api.audit(address).then(
      (a) => current && setHistory(a.items),
      (err: Error) =>
        current &&
        setHistory(
          err instanceof ApiError && err.status === 403
            ? 'The history is shown to the owner and to admins.'
            : err.message,
        ),
    );
    return () => {
      current = false;
    };
  }, [api, address, reload]);

  useEffect(() => heading.current?.focus(), [address]);

  const act = async (what: string, change: () => Promise<unknown>) => {
    setProblem(undefined);
    setDone(undefined);
    try {
      await change();
      setDone(what);
      setReload((n) => n + 1);
      onChanged();
    } catch (err) {
      setProblem((err as Error).message);
    }
  };

  return (
    <section
      className={styles.panel}
      aria-labelledby="record-title"
      onKeyDown={(e) => {
        if (e.key === 'Escape') onClose();
      }}
    >
      <div className={styles.head}>
        <h3 id="record-title" className={styles.title} tabIndex={-1} ref={heading}>
          {address}
        </h3>
        <Button appearance="subtle" onClick={onClose} aria-label="Close the record">
          Close
        </Button>
      </div>
      {problem && <Problem text={problem} />}
      {done && <Done text={done} />}
      {!record && !problem && <Spinner size="small" label="Loading the record" />}
      {record && (
        <>
          <dl className={styles.facts}>
            <Fact term="State">
              <StateBadge state={record.state} />
            </Fact>
            <Fact term="Account name">{record.accountName ?? '—'}</Fact>
            <Fact term="AWS account">{record.awsAccountId ?? 'not linked yet'}</Fact>
            <Fact term="Owner">
              {record.owner
                ? `${record.owner.name ?? record.owner.id}${record.owner.upn ? ` <${record.owner.upn}>` : ''}`
                : '—'}
            </Fact>
            <Fact term="Mailbox">{record.mailbox}</Fact>
            {record.purpose && <Fact term="Purpose">{record.purpose}</Fact>}
            {record.requestId && <Fact term="Request">{record.requestId}</Fact>}
            {record.assignedAt && (
              <Fact term="Assigned">
                <When at={record.assignedAt} />
              </Fact>
            )}
            {record.quarantineUntil && (
              <Fact term="Quarantined until">
                <When at={record.quarantineUntil} />
              </Fact>
            )}
            {record.rootUser && (
              <Fact term="Root user">
                <RootUser rootUser={record.rootUser} />
              </Fact>
            )}
          </dl>
          {record.mayChange && <Changes record={record} act={act} api={api} />}
          {record.rootAccessOffered && <RootAccessAsk record={record} api={api} />}
        </>
      )}
      <h4 className={styles.subtitle}>History</h4>
      {typeof history === 'string' ? (
        <Text>{history}</Text>
      ) : history?.length === 0 ? (
        <Text>No change recorded yet.</Text>
      ) : (
        <ol className={styles.history} aria-label="History, oldest first">
          {history?.map((e, i) => (
            <li key={`${e.at}-${i}`}>
              <time dateTime={e.at}>{e.when}</time> · {e.text}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

/** The AWS account's root user as last audited: credentials in words, flagged when there are any. */
function RootUser({ rootUser }: { rootUser: NonNullable<RecordDetailView['rootUser']> }) {
  return (
    <span data-testid="root-user">
      {rootUser.hasCredentials ? <strong>Has root credentials: </strong> : null}
      {rootUser.summary}
    </span>
  );
}

/**
 * Break-glass root access to the record's AWS account, for a stated reason: asked here, approved by someone
 * else in Teams, started from the requester's card there (where the reset link comes, to them alone).
 */
function RootAccessAsk({ record, api }: { record: RecordDetailView; api: Api }) {
  const styles = useStyles();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [asked, setAsked] = useState<string>();
  const [problem, setProblem] = useState<string>();
  const ask = async (e: FormEvent) => {
    e.preventDefault();
    setProblem(undefined);
    try {
      const access = await api.askRootAccess(record.address, reason.trim());
      setAsked(
        `Asked (${access.id}): ${access.status}. The approval, the Start button and the reset link come in your chat with RootMail in Teams.`,
      );
      setOpen(false);
    } catch (err) {
      setProblem((err as Error).message);
    }
  };
  return (
    <>
      <h4 className={styles.subtitle}>Root access</h4>
      {problem && <Problem text={problem} />}
      {asked && <Done text={asked} />}
      {!open && !asked && (
        <div>
          <Button onClick={() => setOpen(true)}>Ask for root access…</Button>
        </div>
      )}
      {open && (
        <form className={styles.form} onSubmit={(e) => void ask(e)}>
          <Field
            label="Why do you need root access? (someone else approves; the session lasts a limited time)"
            className={styles.grow}
          >
            <Input value={reason} onChange={(_, d) => setReason(d.value)} maxLength={500} />
          </Field>
          <Button type="submit" appearance="primary" disabled={reason.trim().length < 10}>
            Ask for approval
          </Button>
          <Button appearance="subtle" onClick={() => setOpen(false)}>
            Cancel
          </Button>
        </form>
      )}
    </>
  );
}

function Fact({ term, children }: { term: string; children: ReactNode }) {
  const styles = useStyles();
  return (
    <>
      <dt className={styles.term}>{term}</dt>
      <dd className={styles.fact}>{children}</dd>
    </>
  );
}

function Changes({
  record,
  act,
  api,
}: {
  record: RecordDetailView;
  api: Api;
  act(what: string, change: () => Promise<unknown>): Promise<void>;
}) {
  const styles = useStyles();
  const [accountId, setAccountId] = useState(record.awsAccountId ?? '');
  const [owner, setOwner] = useState('');
  const [reason, setReason] = useState('');
  const [confirmRetire, setConfirmRetire] = useState(false);
  const submit = (handler: () => void) => (e: FormEvent) => {
    e.preventDefault();
    handler();
  };
  return (
    <>
      <h4 className={styles.subtitle}>Change</h4>
      <form
        className={styles.form}
        onSubmit={submit(
          () =>
            void act(`Linked to AWS account ${accountId}.`, () =>
              api.change(record.address, { awsAccountId: accountId.trim() }),
            ),
        )}
      >
        <Field label="AWS account id" className={styles.grow}>
          <Input
            value={accountId}
            onChange={(_, d) => setAccountId(d.value)}
            inputMode="numeric"
            placeholder="12 digits"
          />
        </Field>
        <Button type="submit">Link</Button>
      </form>
      <form
        className={styles.form}
        onSubmit={submit(
          () =>
            void act(`Transferred to ${owner}.`, () => api.change(record.address, { owner: owner.trim() })),
        )}
      >
        <Field label="New owner" className={styles.grow}>
          <Input
            value={owner}
            onChange={(_, d) => setOwner(d.value)}
            placeholder="Name, UPN or mail, e.g. Alex Wilber"
          />
        </Field>
        <Button type="submit" disabled={!owner.trim()}>
          Transfer
        </Button>
      </form>
      <form
        className={styles.form}
        onSubmit={submit(() => {
          if (!confirmRetire) return setConfirmRetire(true);
          setConfirmRetire(false);
          void act('Retired: the alias stays in quarantine before it is handed out again.', () =>
            api.retire(record.address, reason),
          );
        })}
      >
        <Field label="Reason to retire (optional)" className={styles.grow}>
          <Input value={reason} onChange={(_, d) => setReason(d.value)} />
        </Field>
        <Button type="submit" appearance={confirmRetire ? 'primary' : 'secondary'}>
          {confirmRetire ? 'Confirm: retire' : 'Retire…'}
        </Button>
      </form>
    </>
  );
}
