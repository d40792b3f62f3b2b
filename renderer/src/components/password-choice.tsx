// Choosing a password: typed twice, with a strength hint.
import { passwordStrength } from '../format.js';
import { Field } from './field.js';

export interface PasswordValue {
  password: string;
  confirm: string;
}

/** Why this choice cannot be used yet, if it cannot. */
export function passwordProblem(v: PasswordValue): string | undefined {
  if (v.password.length < 8) return 'Choose a password of at least 8 characters.';
  if (v.password !== v.confirm) return 'The two passwords are not the same.';
  return undefined;
}

export function PasswordChoice({ value, onChange, idPrefix, label = 'Password' }: { value: PasswordValue; onChange: (v: PasswordValue) => void; idPrefix: string; label?: string }) {
  const s = passwordStrength(value.password);
  const mismatch = value.confirm.length > 0 && value.confirm !== value.password;
  return (
    <div className="password-choice">
      <Field
        label={label}
        hint={
          <span data-testid={`${idPrefix}/strength`} data-score={s.score}>
            <meter min={0} max={4} low={2} high={3} optimum={4} value={s.score} aria-label="Password strength" /> {value.password ? `${s.label}: ` : ''}
            {s.hint} It encrypts the keys on this computer; without it, only your recovery words can open the wallet.
          </span>
        }
      >
        {(p) => <input {...p} type="password" autoComplete="new-password" value={value.password} onChange={(e) => onChange({ ...value, password: e.target.value })} data-testid={`${idPrefix}/password`} />}
      </Field>
      <Field label={`${label} again`} error={mismatch ? 'The two passwords are not the same.' : undefined} testId={`${idPrefix}/confirm`}>
        {(p) => <input {...p} type="password" autoComplete="new-password" value={value.confirm} onChange={(e) => onChange({ ...value, confirm: e.target.value })} data-testid={`${idPrefix}/confirm`} />}
      </Field>
    </div>
  );
}
