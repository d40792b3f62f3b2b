// Short notices (an incoming payment, a sent transaction) that fade after a while.
import { useEffect } from 'react';

export interface Toast {
  id: number;
  text: string;
}

export function Toasts({ toasts, onDismiss }: { toasts: Toast[]; onDismiss: (id: number) => void }) {
  useEffect(() => {
    if (toasts.length === 0) return;
    const t = setTimeout(() => onDismiss(toasts[0]!.id), 12_000);
    return () => clearTimeout(t);
  }, [toasts, onDismiss]);
  return (
    <div className="toasts" aria-live="polite">
      {toasts.map((t) => (
        <div className="toast" key={t.id} data-testid="toast" role="status">
          <span>{t.text}</span>
          <button type="button" className="link" onClick={() => onDismiss(t.id)} aria-label="Dismiss notice">
            ✕
          </button>
        </div>
      ))}
    </div>
  );
}
