// Short notices (incoming payments, a sent transaction), shown under the navigation; each fades
// after its own while.
import { useEffect } from 'react';
import type { Toast } from '../notices.js';

const LIFETIME_MS = 10_000;

function Notice({ toast, onDismiss }: { toast: Toast; onDismiss: (id: number) => void }) {
  useEffect(() => {
    const t = setTimeout(() => onDismiss(toast.id), LIFETIME_MS);
    return () => clearTimeout(t);
  }, [toast.id, onDismiss]);
  return (
    <div className="toast" data-testid="toast" role="status">
      <span>{toast.text}</span>
      <button type="button" className="link" onClick={() => onDismiss(toast.id)} aria-label="Dismiss notice">
        ✕
      </button>
    </div>
  );
}

export function Toasts({ toasts, onDismiss }: { toasts: Toast[]; onDismiss: (id: number) => void }) {
  return (
    <div className="toasts" aria-live="polite" data-testid="toasts">
      {toasts.map((t) => (
        <Notice key={t.id} toast={t} onDismiss={onDismiss} />
      ))}
    </div>
  );
}
