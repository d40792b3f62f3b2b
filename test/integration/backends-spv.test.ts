// The backend suite (backend-suite.ts) through the SPV client.

import { backendSuite, fundedNode } from './backend-suite.js';

backendSuite('spv', fundedNode());
