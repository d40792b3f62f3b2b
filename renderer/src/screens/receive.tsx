// Receive: a fresh address as text and QR code, optionally a payment request with amount and label.
import { useEffect, useState } from 'react';
import { call } from '../api.js';
import { AMOUNT_EXAMPLE, AmountField } from '../components/amount-field.js';
import { CopyButton } from '../components/copy-button.js';
import { ErrorNote, Field } from '../components/field.js';
import { Qr } from '../components/qr.js';
import { sentence } from '../errors.js';
import { useAmount } from '../hooks/use-amount.js';
import { useDisplay } from '../hooks/use-display.js';
import { useLoad } from '../hooks/use-load.js';

export function Receive() {
  const [fresh, setFresh] = useState(0);
  const address = useLoad(() => call('wallet.address', { fresh: fresh > 0 }), fresh);
  const amount = useAmount(useDisplay().settings.unit);
  const [label, setLabel] = useState('');
  const [uri, setUri] = useState<string | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);

  const addr = address.data?.address;
  const sats = amount.sats;
  const amountBad = amount.bad;

  useEffect(() => {
    if (!addr || amountBad) return setUri(undefined);
    let live = true;
    call('uri.build', { address: addr, ...(sats ? { amountSat: sats } : {}), ...(label.trim() ? { label: label.trim() } : {}) }).then(
      (r) => live && setUri(r.uri),
      (e: unknown) => live && setError(sentence(e)),
    );
    return () => {
      live = false;
    };
  }, [addr, sats, label, amountBad]);

  const saveLabel = () => {
    if (addr && label.trim()) call('wallet.setLabel', { type: 'addr', ref: addr, label: label.trim() }).catch((e: unknown) => setError(sentence(e)));
  };

  return (
    <>
      <h1>Receive</h1>
      <ErrorNote text={address.error ?? error} testId="receive/error" />
      {addr ? (
        <div className="receive">
          <div className="qr-box">
            <Qr text={uri ?? `bitcoin:${addr}`} label={`QR code of ${uri ?? addr}`} testId="receive/qr" />
          </div>
          <div className="receive-details">
            <Field label="Your address" hint="Give this address to the sender. A new one each time keeps your payments private.">
              {(p) => <output {...p} className="mono address" data-testid="receive/address">{addr}</output>}
            </Field>
            <div className="actions">
              <CopyButton text={addr} label="Copy address" testId="receive/copy-address" />
              <button type="button" className="secondary" onClick={() => { setFresh((f) => f + 1); setLabel(''); amount.set(''); }} data-testid="receive/new">
                New address
              </button>
            </div>
            <h2>Payment request (optional)</h2>
            <AmountField
              {...amount.field()}
              error={amountBad ? AMOUNT_EXAMPLE : undefined}
              testId="receive"
            />
            <Field label="Label" hint="Saved with the address, so you know later what the payment was for.">
              {(p) => <input {...p} value={label} maxLength={255} onChange={(e) => setLabel(e.target.value)} onBlur={saveLabel} data-testid="receive/label" />}
            </Field>
            {uri ? (
              <>
                <Field label="Payment request (BIP21)">{(p) => <output {...p} className="mono address" data-testid="receive/uri">{uri}</output>}</Field>
                <CopyButton text={uri} label="Copy payment request" testId="receive/copy-uri" />
              </>
            ) : null}
          </div>
        </div>
      ) : null}
    </>
  );
}
