// Copies a text to the clipboard and says so.
import { useState } from 'react';

export function CopyButton({ text, label, testId }: { text: string; label: string; testId: string }) {
  const [done, setDone] = useState<'copied' | 'failed' | undefined>(undefined);
  return (
    <button
      type="button"
      className="secondary"
      data-testid={testId}
      onClick={() =>
        navigator.clipboard.writeText(text).then(
          () => setDone('copied'),
          () => setDone('failed'),
        )
      }
    >
      {done === 'copied' ? 'Copied' : done === 'failed' ? 'Select and copy it by hand' : label}
    </button>
  );
}
