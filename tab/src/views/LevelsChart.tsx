import { makeStyles, tokens } from '@fluentui/react-components';

export interface LevelsPoint {
  date: string;
  free: number;
  assigned: number;
  quarantined: number;
}

const SERIES = [
  { key: 'free', label: 'Free', dash: undefined },
  { key: 'assigned', label: 'Assigned', dash: '6 3' },
  { key: 'quarantined', label: 'Quarantined', dash: '2 3' },
] as const;

const W = 900;
const H = 280;
const PAD = { left: 52, right: 16, top: 12, bottom: 28 };

const useStyles = makeStyles({
  svg: { width: '100%', height: 'auto', maxWidth: '1100px', display: 'block' },
  grid: { stroke: tokens.colorNeutralStroke2, strokeWidth: 1 },
  axis: { fill: tokens.colorNeutralForeground2, fontSize: '11px', fontFamily: tokens.fontFamilyBase },
  free: { stroke: tokens.colorPaletteGreenForeground1, color: tokens.colorPaletteGreenForeground1 },
  assigned: { stroke: tokens.colorBrandForeground1, color: tokens.colorBrandForeground1 },
  quarantined: {
    stroke: tokens.colorPaletteDarkOrangeForeground1,
    color: tokens.colorPaletteDarkOrangeForeground1,
  },
  line: { fill: 'none', strokeWidth: 2.5, strokeLinejoin: 'round', strokeLinecap: 'round' },
  legend: {
    display: 'flex',
    gap: tokens.spacingHorizontalL,
    listStyle: 'none',
    padding: 0,
    margin: `${tokens.spacingVerticalS} 0 0`,
  },
  swatch: {
    display: 'inline-block',
    width: '18px',
    height: '0',
    borderTopWidth: '3px',
    borderTopStyle: 'solid',
    borderTopColor: 'currentColor',
    verticalAlign: 'middle',
    marginInlineEnd: tokens.spacingHorizontalXS,
  },
  dashed: { borderTopStyle: 'dashed' },
  dotted: { borderTopStyle: 'dotted' },
});

/**
 * The pool's levels over time as lines (free, assigned, quarantined), drawn in SVG with the theme's
 * colours, so it follows light, dark and high contrast; each line has its own dash for those who do not
 * tell colours apart, and the numbers are in a table beside it.
 */
export function LevelsChart({ days, description }: { days: LevelsPoint[]; description: string }) {
  const styles = useStyles();
  const max = niceMax(Math.max(1, ...days.flatMap((d) => [d.free, d.assigned, d.quarantined])));
  const first = Date.parse(days[0]?.date ?? '');
  const span = Math.max(1, Date.parse(days[days.length - 1]?.date ?? '') - first);
  const x = (date: string) => PAD.left + ((Date.parse(date) - first) / span) * (W - PAD.left - PAD.right);
  const y = (n: number) => H - PAD.bottom - (n / max) * (H - PAD.top - PAD.bottom);
  const ticks = [0, max / 2, max];
  const dateLabels =
    days.length > 2 ? [days[0], days[Math.floor(days.length / 2)], days[days.length - 1]] : days;
  return (
    <figure style={{ margin: 0 }}>
      <svg viewBox={`0 0 ${W} ${H}`} className={styles.svg} role="img" aria-label={description}>
        {ticks.map((t) => (
          <g key={t}>
            <line className={styles.grid} x1={PAD.left} x2={W - PAD.right} y1={y(t)} y2={y(t)} />
            <text className={styles.axis} x={PAD.left - 8} y={y(t) + 4} textAnchor="end">
              {Math.round(t).toLocaleString()}
            </text>
          </g>
        ))}
        {dateLabels.map((d, i) => (
          <text
            key={d.date}
            className={styles.axis}
            x={x(d.date)}
            y={H - 8}
            textAnchor={i === 0 ? 'start' : i === dateLabels.length - 1 ? 'end' : 'middle'}
          >
            {d.date}
          </text>
        ))}
        {SERIES.map((s) => (
          <polyline
            key={s.key}
            data-series={s.key}
            className={`${styles.line} ${styles[s.key]}`}
            strokeDasharray={s.dash}
            points={days.map((d) => `${x(d.date).toFixed(1)},${y(d[s.key]).toFixed(1)}`).join(' ')}
          />
        ))}
      </svg>
      <figcaption>
        <ul className={styles.legend}>
          {SERIES.map((s) => (
            <li key={s.key} className={styles[s.key]}>
              <span
                aria-hidden="true"
                className={`${styles.swatch} ${s.key === 'assigned' ? styles.dashed : s.key === 'quarantined' ? styles.dotted : ''}`}
              />
              <span style={{ color: tokens.colorNeutralForeground1 }}>{s.label}</span>
            </li>
          ))}
        </ul>
      </figcaption>
    </figure>
  );
}

/** A round upper bound for the axis, not far above the highest value (e.g. 2,754 → 3,000). */
function niceMax(value: number): number {
  const power = 10 ** Math.floor(Math.log10(value));
  return ([1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10].find((m) => m * power >= value) ?? 10) * power;
}
