// The backend suite (backend-suite.ts) through the embedded node.

import { backendSuite, fundedNode } from './backend-suite.js';

backendSuite('node', fundedNode());
