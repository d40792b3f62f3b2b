// How Coffer sees the chain: its own SPV client, the embedded full node, or the user's Bitcoin Core.
import { useState } from 'react';
import type { BackendConfig } from '../../../src/api/contract.js';
import { Field } from './field.js';

const RPC_PORTS: Record<string, number> = { main: 8332, test: 18332, signet: 38332, regtest: 18443 };

export function defaultBackend(): BackendConfig {
  return { kind: 'spv', connect: [] };
}

function peersText(b: BackendConfig): string {
  return b.kind === 'rpc' ? '' : b.connect.join('\n');
}

function parsePeers(text: string): string[] {
  return text.split(/[\s,]+/).filter(Boolean);
}

/** Peers must be host:port; returns the first bad entry, if any. */
export function badPeer(b: BackendConfig): string | undefined {
  if (b.kind === 'rpc') return undefined;
  return b.connect.find((p) => !/^[^\s]+:\d{1,5}$/.test(p));
}

export function BackendForm({ network, value, onChange, idPrefix }: { network: string; value: BackendConfig; onChange: (b: BackendConfig) => void; idPrefix: string }) {
  const [peers, setPeers] = useState(peersText(value));
  const nodeAllowed = network === 'main' || network === 'regtest';
  const pick = (kind: BackendConfig['kind']) => {
    if (kind === 'spv') onChange({ kind, connect: parsePeers(peers) });
    else if (kind === 'node') onChange({ kind, connect: parsePeers(peers), prune: false });
    else onChange({ kind, url: `http://127.0.0.1:${RPC_PORTS[network] ?? 8332}/` });
  };
  const bad = badPeer(value);
  return (
    <fieldset className="backend">
      <legend>How Coffer sees the Bitcoin network</legend>
      <label className="choice">
        <input type="radio" name={`${idPrefix}-backend`} checked={value.kind === 'spv'} onChange={() => pick('spv')} data-testid={`${idPrefix}/backend-spv`} />
        <span>
          <strong>Light client (SPV)</strong> — Coffer checks block headers itself and proves each of your transactions with a Merkle proof. Fast, little disk space.
        </span>
      </label>
      <label className="choice">
        <input type="radio" name={`${idPrefix}-backend`} checked={value.kind === 'node'} disabled={!nodeAllowed} onChange={() => pick('node')} data-testid={`${idPrefix}/backend-node`} />
        <span>
          <strong>Embedded full node</strong> — validates every block on this computer (needs much disk space and time).{nodeAllowed ? '' : ' Available on main and regtest only.'}
        </span>
      </label>
      <label className="choice">
        <input type="radio" name={`${idPrefix}-backend`} checked={value.kind === 'rpc'} onChange={() => pick('rpc')} data-testid={`${idPrefix}/backend-rpc`} />
        <span>
          <strong>My Bitcoin Core node</strong> — connect to a node you run, over its RPC interface.
        </span>
      </label>
      {value.kind !== 'rpc' ? (
        <Field
          label="Peers (optional)"
          hint={network === 'regtest' ? 'Regtest has no public peers: enter your node as host:port.' : 'One host:port per line. Leave empty to find peers automatically.'}
          error={bad ? `“${bad}” is not a host:port.` : undefined}
          testId={`${idPrefix}/peers`}
        >
          {(p) => (
            <textarea
              {...p}
              rows={2}
              value={peers}
              spellCheck={false}
              data-testid={`${idPrefix}/peers`}
              onChange={(e) => {
                setPeers(e.target.value);
                onChange({ ...value, connect: parsePeers(e.target.value) } as BackendConfig);
              }}
            />
          )}
        </Field>
      ) : (
        <>
          <Field label="RPC address">
            {(p) => <input {...p} value={value.url} spellCheck={false} data-testid={`${idPrefix}/rpc-url`} onChange={(e) => onChange({ ...value, url: e.target.value })} />}
          </Field>
          <Field label="Cookie file (or leave empty and use a user name and password)">
            {(p) => (
              <input
                {...p}
                value={value.cookieFile ?? ''}
                spellCheck={false}
                data-testid={`${idPrefix}/rpc-cookie`}
                onChange={(e) => {
                  const { cookieFile: _, ...rest } = value;
                  onChange(e.target.value ? { ...rest, cookieFile: e.target.value } : rest);
                }}
              />
            )}
          </Field>
          <div className="row">
            <Field label="RPC user">
              {(p) => <input {...p} value={value.user ?? ''} autoComplete="off" data-testid={`${idPrefix}/rpc-user`} onChange={(e) => onChange({ ...value, user: e.target.value })} />}
            </Field>
            <Field label="RPC password" hint="Kept by the core, never shown again; leave empty to keep the saved one.">
              {(p) => <input {...p} type="password" value={value.password ?? ''} autoComplete="off" data-testid={`${idPrefix}/rpc-password`} onChange={(e) => onChange({ ...value, password: e.target.value })} />}
            </Field>
          </div>
        </>
      )}
    </fieldset>
  );
}
