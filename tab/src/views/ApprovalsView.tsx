import {
  Button,
  Field,
  Link,
  makeStyles,
  Spinner,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  Textarea,
  tokens,
} from '@fluentui/react-components';
import { useCallback, useEffect, useState } from 'react';
import type { Api, RequestView } from '../api';
import { Done, Problem, StateBadge, When } from './common';

const useStyles = makeStyles({
  list: {
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fill, minmax(380px, 1fr))',
    gap: tokens.spacingHorizontalM,
    margin: `0 0 ${tokens.spacingVerticalXXL}`,
    padding: 0,
    listStyle: 'none',
  },
  card: {
    backgroundColor: tokens.colorNeutralBackground1,
    border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
    borderRadius: tokens.borderRadiusMedium,
    padding: tokens.spacingHorizontalL,
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalS,
    height: '100%',
    boxSizing: 'border-box',
  },
  h3: { margin: 0, fontSize: tokens.fontSizeBase400 },
  facts: { color: tokens.colorNeutralForeground2 },
  buttons: { display: 'flex', gap: tokens.spacingHorizontalS },
  table: { backgroundColor: tokens.colorNeutralBackground1 },
  h2: { marginTop: 0 },
});

/**
 * What waits for my decision (approve or reject with a comment: the same use case as the card, so the
 * cards in chat change too) and what I asked for (cancel while nobody decided).
 */
export function ApprovalsView({ api, openRecord }: { api: Api; openRecord(address: string): void }) {
  const styles = useStyles();
  const [waiting, setWaiting] = useState<RequestView[]>();
  const [mine, setMine] = useState<RequestView[]>();
  const [problem, setProblem] = useState<string>();
  const [done, setDone] = useState<string>();

  const load = useCallback(() => {
    api.approvals().then(
      (r) => setWaiting(r.items),
      (err: Error) => setProblem(err.message),
    );
    api.myRequests().then(
      (r) => setMine(r.items),
      (err: Error) => setProblem(err.message),
    );
  }, [api]);
  useEffect(load, [load]);

  const decide = async (request: RequestView, decision: 'approve' | 'reject', comment: string) => {
    setProblem(undefined);
    setDone(undefined);
    try {
      await api.decide(request.requestId, decision, comment);
      setDone(
        decision === 'approve'
          ? `Approved ${request.accountName} for ${request.requester.name}; the address goes to them in chat.`
          : `Rejected ${request.accountName}; ${request.requester.name} is told in chat.`,
      );
    } catch (err) {
      setProblem((err as Error).message);
    }
    load();
  };
  const cancel = async (request: RequestView) => {
    setProblem(undefined);
    setDone(undefined);
    try {
      await api.cancel(request.requestId);
      setDone(`Cancelled your request for ${request.accountName}.`);
    } catch (err) {
      setProblem((err as Error).message);
    }
    load();
  };

  return (
    <>
      <section aria-labelledby="waiting-title">
        <h2 id="waiting-title" className={styles.h2}>
          Waiting for your decision {waiting && `(${waiting.length})`}
        </h2>
        {problem && <Problem text={problem} />}
        {done && <Done text={done} />}
        {!waiting ? (
          <Spinner size="small" label="Loading" />
        ) : waiting.length === 0 ? (
          <Text as="p">Nothing waits for you.</Text>
        ) : (
          <ul className={styles.list}>
            {waiting.map((r) => (
              <li key={r.requestId}>
                <Decision request={r} decide={decide} />
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="mine-title">
        <h2 id="mine-title">What you asked for</h2>
        {!mine ? (
          <Spinner size="small" label="Loading" />
        ) : mine.length === 0 ? (
          <Text as="p">
            You have not asked for an address yet. Ask in chat: request &lt;account-name&gt;.
          </Text>
        ) : (
          <Table size="small" className={styles.table}>
            <TableHeader>
              <TableRow>
                <TableHeaderCell>Account name</TableHeaderCell>
                <TableHeaderCell>State</TableHeaderCell>
                <TableHeaderCell>Approver</TableHeaderCell>
                <TableHeaderCell>Address</TableHeaderCell>
                <TableHeaderCell>Asked</TableHeaderCell>
                <TableHeaderCell>
                  <span className="visually-hidden">Actions</span>
                </TableHeaderCell>
              </TableRow>
            </TableHeader>
            <TableBody>
              {mine.map((r) => (
                <TableRow key={r.requestId}>
                  <TableCell>
                    {r.accountName} <Text size={200}>({r.requestId})</Text>
                  </TableCell>
                  <TableCell>
                    <StateBadge state={r.state} />
                  </TableCell>
                  <TableCell>
                    {r.decision
                      ? `${r.decision.outcome} by ${r.decision.by.name}`
                      : r.approvers.map((a) => a.name).join(' or ')}
                    {r.decision?.comment && (
                      <Text size={200} data-testid="decision-comment">
                        {' — '}“{r.decision.comment}”
                      </Text>
                    )}
                  </TableCell>
                  <TableCell>
                    {r.address ? (
                      <Link as="button" onClick={() => openRecord(r.address!)}>
                        {r.address}
                      </Link>
                    ) : (
                      '—'
                    )}
                  </TableCell>
                  <TableCell>
                    <When at={r.createdAt} />
                  </TableCell>
                  <TableCell>
                    {r.state === 'pending' && (
                      <Button
                        size="small"
                        onClick={() => void cancel(r)}
                        aria-label={`Cancel the request for ${r.accountName}`}
                      >
                        Cancel
                      </Button>
                    )}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </section>
    </>
  );
}

function Decision({
  request: r,
  decide,
}: {
  request: RequestView;
  decide(request: RequestView, decision: 'approve' | 'reject', comment: string): Promise<void>;
}) {
  const styles = useStyles();
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const act = async (decision: 'approve' | 'reject') => {
    setBusy(true);
    await decide(r, decision, comment);
    setBusy(false);
  };
  const titleId = `request-${r.requestId}`;
  return (
    <article className={styles.card} aria-labelledby={titleId}>
      <h3 id={titleId} className={styles.h3}>
        {r.accountName} ({r.environment})
      </h3>
      <Text className={styles.facts}>
        {r.requester.name} asks for a root address{r.purpose ? `: ${r.purpose}` : ''}
        {r.costCentre ? ` · cost centre ${r.costCentre}` : ''} · asked <When at={r.createdAt} /> · expires{' '}
        <When at={r.expiresAt} />
      </Text>
      <Field label="Comment (optional)">
        <Textarea
          value={comment}
          onChange={(_, d) => setComment(d.value)}
          resize="vertical"
          maxLength={500}
        />
      </Field>
      <div className={styles.buttons}>
        <Button appearance="primary" disabled={busy} onClick={() => void act('approve')}>
          Approve
        </Button>
        <Button disabled={busy} onClick={() => void act('reject')}>
          Reject
        </Button>
      </div>
    </article>
  );
}
