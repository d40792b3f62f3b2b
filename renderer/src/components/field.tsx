// A labelled form control with its hint and error, wired for screen readers.
import { useId, type ReactNode } from 'react';

export interface FieldProps {
  label: string;
  hint?: ReactNode;
  error?: string | undefined;
  testId?: string;
  children: (props: { id: string; 'aria-describedby'?: string; 'aria-invalid'?: boolean }) => ReactNode;
}

export function Field({ label, hint, error, testId, children }: FieldProps) {
  const id = useId();
  const describedBy = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children({ id, ...(describedBy ? { 'aria-describedby': describedBy } : {}), ...(error ? { 'aria-invalid': true } : {}) })}
      {hint ? (
        <div className="hint" id={`${id}-hint`}>
          {hint}
        </div>
      ) : null}
      {error ? (
        <div className="error" id={`${id}-error`} role="alert" data-testid={testId ? `${testId}-error` : undefined}>
          {error}
        </div>
      ) : null}
    </div>
  );
}

/** A form-level error: a plain sentence, announced; `code` (the core's error code) as data-code. */
export function ErrorNote({ text, testId, code }: { text: string | undefined; testId: string; code?: string | undefined }) {
  if (!text) return null;
  return (
    <p className="error" role="alert" data-testid={testId} data-code={code}>
      {text}
    </p>
  );
}

export interface TextFieldProps {
  label: string;
  hint?: ReactNode;
  error?: string | undefined;
  /** The box's data-testid; its error's is `${testId}-error`. */
  testId: string;
  value: string;
  onChange: (value: string) => void;
  onBlur?: () => void;
  placeholder?: string | undefined;
  /** A box of that many lines, in monospace, instead of one line. */
  rows?: number;
}

/** A box for text meant for machines (an address, a path, an invoice): no spell check, no autofill. */
export function TextField({ label, hint, error, testId, value, onChange, onBlur, placeholder, rows }: TextFieldProps) {
  const box = { spellCheck: false, autoComplete: 'off', placeholder, value, onBlur, 'data-testid': testId };
  return (
    <Field label={label} hint={hint} error={error} testId={testId}>
      {(p) =>
        rows !== undefined ? (
          <textarea {...p} {...box} rows={rows} className="mono" onChange={(e) => onChange(e.target.value)} />
        ) : (
          <input {...p} {...box} onChange={(e) => onChange(e.target.value)} />
        )
      }
    </Field>
  );
}
