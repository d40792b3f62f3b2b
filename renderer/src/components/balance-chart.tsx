// The balance over time as a step line in SVG, scaled to the wallet's own range.
import { amount, dateTime } from '../format.js';

const W = 600;
const H = 160;
const PAD = 4;

export function BalanceChart({ series }: { series: { time: number; balance: number }[] }) {
  if (series.length === 0) return <p className="muted" data-testid="dashboard/chart-empty">The chart fills in as coins arrive.</p>;
  const now = Math.floor(Date.now() / 1000);
  const t0 = series[0]!.time;
  // The balance holds until now; at least a minute wide, so activity within seconds (or block
  // times a little ahead of this clock) still draws an area rather than a vertical line.
  const t1 = Math.max(now, series[series.length - 1]!.time, t0 + 60);
  const points = [...series, { time: t1, balance: series[series.length - 1]!.balance }];
  const max = Math.max(...points.map((p) => p.balance), 1);
  const x = (t: number) => PAD + ((t - t0) / (t1 - t0)) * (W - 2 * PAD);
  const y = (b: number) => H - PAD - (Math.max(b, 0) / max) * (H - 2 * PAD);
  let d = `M${x(t0)} ${y(points[0]!.balance)}`;
  for (const p of points.slice(1)) d += `H${x(p.time)}V${y(p.balance)}`;
  const last = points[points.length - 1]!;
  return (
    <figure className="chart" data-testid="dashboard/chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`Balance over time, from ${dateTime(t0)} to now; now ${amount(last.balance)}`} preserveAspectRatio="none">
        <path className="chart-area" d={`${d}V${y(0)}H${x(t0)}Z`} />
        <path className="chart-line" d={d} fill="none" />
      </svg>
      <figcaption className="muted">
        Since {dateTime(t0)} · highest {amount(max)}
      </figcaption>
    </figure>
  );
}
