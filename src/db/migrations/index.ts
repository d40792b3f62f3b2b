// The ordered list of schema migrations. Append only; versions go up in tens.

import type { Db } from '../database.js';
import { migration as m0010 } from './0010-initial.js';
import { migration as m0020 } from './0020-transactions.js';
import { migration as m0030 } from './0030-spending.js';
import { migration as m0040 } from './0040-vaults.js';
import { migration as m0050 } from './0050-channels.js';
import { migration as m0060 } from './0060-channel-closes.js';
import { migration as m0070 } from './0070-rpc-password.js';
import { migration as m0080 } from './0080-vault-found.js';
import { migration as m0090 } from './0090-chan-graph.js';

export interface Migration {
  version: number;
  name: string;
  up(db: Db): void;
  /** The migration removed a secret: checkpoint and truncate the WAL after it, so no old copy stays there. */
  checkpoint?: true;
}

export const MIGRATIONS: readonly Migration[] = [m0010, m0020, m0030, m0040, m0050, m0060, m0070, m0080, m0090];
