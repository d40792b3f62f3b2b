// The backend suite (backend-suite.ts) through the SPV client.

import { backendSuite, bcoin, fundedNode } from './backend-suite.js';

backendSuite('spv', bcoin(fundedNode()));
