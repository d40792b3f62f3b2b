// A long operation under way (deriving a key from the password, waiting for the sync), with a
// spinner and a sentence a screen reader announces.
export function BusyNote({ text, testId }: { text: string; testId: string }) {
  return (
    <p className="busy" role="status" data-testid={testId}>
      <span className="spinner" aria-hidden="true" />
      {text}
    </p>
  );
}
