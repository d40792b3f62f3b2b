// A QR code drawn as one SVG path (no inline styles, so the CSP needs no exceptions).
import encodeQR from '@paulmillr/qr';
import { useMemo } from 'react';

export function Qr({ text, label, testId }: { text: string; label: string; testId?: string }) {
  const { d, size } = useMemo(() => {
    const cells = encodeQR(text, 'raw', { ecc: 'medium', border: 2 });
    let path = '';
    cells.forEach((row, y) => row.forEach((on, x) => (path += on ? `M${x} ${y}h1v1h-1z` : '')));
    return { d: path, size: cells.length };
  }, [text]);
  return (
    <svg className="qr" viewBox={`0 0 ${size} ${size}`} role="img" aria-label={label} data-testid={testId} shapeRendering="crispEdges">
      <rect width={size} height={size} fill="#fff" />
      <path d={d} fill="#000" />
    </svg>
  );
}
