// The contract's remote watchtowers (`tower.*`): the list and pushes are remote-towers.ts.

import { addTower, INLINE_PUSH_MS, listTowers, pushTowers, removeTower } from '../remote-towers.js';
import type { CoreHost, HandlerMap } from './handler.js';
import { unlockWith } from './spend.js';

export type TowerMethods = 'tower.add' | 'tower.remove' | 'tower.list';

export function towerHandlers(host: CoreHost): HandlerMap<TowerMethods> {
  return {
    'tower.add': async ({ address, id, password }) => {
      const w = host.wallet();
      unlockWith(w, password)?.();
      addTower(w, address, id);
      // One try now, so the answer says whether the tower took it; the core retries after.
      await pushTowers(w, INLINE_PUSH_MS, { proxy: (await host.syncSession()).proxy });
      return listTowers(w).find((t) => t.id === id)!;
    },
    'tower.remove': ({ id }) => removeTower(host.wallet(), id),
    'tower.list': () => ({ towers: listTowers(host.wallet()) }),
  };
}
