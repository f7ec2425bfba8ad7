import {
  Field,
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
import { useEffect, useState } from 'react';
import type { Api, PoolHistoryView } from '../api';
import { Problem } from './common';
import { LevelsChart } from './LevelsChart';

const HISTORY_DAYS = 90;

const useStyles = makeStyles({
  figures: {
    display: 'flex',
    flexWrap: 'wrap',
    gap: tokens.spacingHorizontalL,
    margin: `0 0 ${tokens.spacingVerticalL}`,
  },
  figure: {
    backgroundColor: tokens.colorNeutralBackground1,
    border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
    borderRadius: tokens.borderRadiusMedium,
    padding: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalL}`,
    minWidth: '150px',
  },
  number: {
    display: 'block',
    fontSize: tokens.fontSizeHero700,
    fontWeight: tokens.fontWeightSemibold,
    lineHeight: tokens.lineHeightHero700,
  },
  card: {
    backgroundColor: tokens.colorNeutralBackground1,
    border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
    borderRadius: tokens.borderRadiusMedium,
    padding: tokens.spacingHorizontalL,
    marginBottom: tokens.spacingVerticalL,
  },
  chartHead: {
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'end',
    justifyContent: 'space-between',
    gap: tokens.spacingHorizontalM,
  },
  low: { color: tokens.colorPaletteRedForeground1, fontWeight: tokens.fontWeightSemibold },
  table: { backgroundColor: tokens.colorNeutralBackground1 },
  h3: { margin: 0, fontSize: tokens.fontSizeBase400 },
});

/** The alias pool: free / assigned / quarantined per mailbox now, the levels kept daily, and how long it lasts. */
export function PoolView({ api }: { api: Api }) {
  const styles = useStyles();
  const [mailbox, setMailbox] = useState('');
  const [data, setData] = useState<PoolHistoryView>();
  const [problem, setProblem] = useState<string>();

  useEffect(() => {
    let current = true;
    api.poolHistory(HISTORY_DAYS, mailbox || undefined).then(
      (d) => current && (setData(d), setProblem(undefined)),
      (err: Error) => current && setProblem(err.message),
    );
    return () => {
      current = false;
    };
  }, [api, mailbox]);

  if (problem) return <Problem text={problem} />;
  if (!data) return <Spinner label="Counting the pool" />;
  const { now, forecast, days } = data;
  const level = mailbox ? now.mailboxes.find((m) => m.mailbox === mailbox) : now.totals;
  const free = level?.free ?? 0;
  const total = free + (level?.assigned ?? 0) + (level?.quarantined ?? 0);
  const lasts =
    forecast.daysUntilEmpty !== undefined
      ? `${forecast.daysUntilEmpty.toLocaleString()} days`
      : forecast.basisDays
        ? 'not being used up'
        : 'not known yet';
  const rate = forecast.basisDays
    ? `${forecast.perDay.toLocaleString()} a day over the last ${forecast.basisDays} days`
    : 'the levels are kept once a day; the rate shows after two days';
  const description =
    days.length > 1
      ? `Free aliases ${mailbox ? `in ${mailbox} ` : ''}went from ${days[0].free} on ${days[0].date} to ${days[days.length - 1].free} on ${days[days.length - 1].date}.`
      : 'Not enough days kept yet to draw the levels over time.';

  return (
    <section aria-labelledby="pool-title">
      <h2 id="pool-title" style={{ marginTop: 0 }}>
        Pool
      </h2>
      <div className={styles.figures}>
        <Figure
          label="Free"
          value={free}
          note={total ? `${Math.round((free / total) * 100)} % of ${total.toLocaleString()}` : ''}
        />
        <Figure label="Assigned" value={level?.assigned ?? 0} />
        <Figure label="Quarantined" value={level?.quarantined ?? 0} />
        <div className={styles.figure} data-testid="days-until-empty">
          <Text size={200}>Until empty at the current rate</Text>
          <span className={styles.number}>{lasts}</span>
          <Text size={200}>{rate}</Text>
        </div>
      </div>
      <div className={styles.card}>
        <div className={styles.chartHead}>
          <h3 className={styles.h3}>Levels over the last {HISTORY_DAYS} days</h3>
          <Field label="Mailbox">
            <Select value={mailbox} onChange={(_, d) => setMailbox(d.value)}>
              <option value="">All mailboxes</option>
              {now.mailboxes.map((m) => (
                <option key={m.mailbox} value={m.mailbox}>
                  {m.mailbox}
                </option>
              ))}
            </Select>
          </Field>
        </div>
        {days.length > 1 ? (
          <LevelsChart days={days} description={description} />
        ) : (
          <Text as="p">{description}</Text>
        )}
      </div>
      <Table size="small" className={styles.table}>
        <caption style={{ textAlign: 'start', padding: '8px 0' }}>Per shared mailbox, now</caption>
        <TableHeader>
          <TableRow>
            <TableHeaderCell>Mailbox</TableHeaderCell>
            <TableHeaderCell>Free</TableHeaderCell>
            <TableHeaderCell>Assigned</TableHeaderCell>
            <TableHeaderCell>Quarantined</TableHeaderCell>
            <TableHeaderCell>Capacity</TableHeaderCell>
          </TableRow>
        </TableHeader>
        <TableBody>
          {now.mailboxes.map((m) => {
            const low = m.free < 0.1 * (m.free + m.assigned + m.quarantined);
            return (
              <TableRow key={m.mailbox}>
                <TableCell>{m.mailbox}</TableCell>
                <TableCell className={low ? styles.low : undefined}>
                  {m.free.toLocaleString()}
                  {low ? ' (low)' : ''}
                </TableCell>
                <TableCell>{m.assigned.toLocaleString()}</TableCell>
                <TableCell>{m.quarantined.toLocaleString()}</TableCell>
                <TableCell>{m.capacity.toLocaleString()}</TableCell>
              </TableRow>
            );
          })}
        </TableBody>
      </Table>
    </section>
  );
}

function Figure({ label, value, note }: { label: string; value: number; note?: string }) {
  const styles = useStyles();
  return (
    <div className={styles.figure}>
      <Text size={200}>{label}</Text>
      <span className={styles.number}>{value.toLocaleString()}</span>
      {note && <Text size={200}>{note}</Text>}
    </div>
  );
}
