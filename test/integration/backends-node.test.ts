// The backend suite (backend-suite.ts) through the embedded node.

import { backendSuite, bcoin, fundedNode } from './backend-suite.js';

backendSuite('node', bcoin(fundedNode()), { walletCases: false });
