// The balance over time as a step line in SVG, scaled to the wallet's own range.
import { btc, dateTime } from '../format.js';

const W = 600;
const H = 160;
const PAD = 4;

export function BalanceChart({ series }: { series: { time: number; balance: number }[] }) {
  if (series.length === 0) return <p className="muted" data-testid="dashboard/chart-empty">The chart fills in as coins arrive.</p>;
  const now = Math.floor(Date.now() / 1000);
  const points = [...series, { time: Math.max(now, series[series.length - 1]!.time), balance: series[series.length - 1]!.balance }];
  const t0 = points[0]!.time;
  const t1 = Math.max(points[points.length - 1]!.time, t0 + 1);
  const max = Math.max(...points.map((p) => p.balance), 1);
  const x = (t: number) => PAD + ((t - t0) / (t1 - t0)) * (W - 2 * PAD);
  const y = (b: number) => H - PAD - (Math.max(b, 0) / max) * (H - 2 * PAD);
  let d = `M${x(t0)} ${y(points[0]!.balance)}`;
  for (const p of points.slice(1)) d += `H${x(p.time)}V${y(p.balance)}`;
  const last = points[points.length - 1]!;
  return (
    <figure className="chart" data-testid="dashboard/chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`Balance over time, from ${dateTime(t0)} to now; now ${btc(last.balance)} BTC`} preserveAspectRatio="none">
        <path className="chart-area" d={`${d}V${y(0)}H${x(t0)}Z`} />
        <path className="chart-line" d={d} fill="none" />
      </svg>
      <figcaption className="muted">
        Since {dateTime(t0)} · highest {btc(max)} BTC
      </figcaption>
    </figure>
  );
}
