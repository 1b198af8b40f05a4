export { runFederated, defaultClientEntry, type FederatedOptions, type FederatedResult, type FederatedClientSpec, type RoundLog } from './coordinator.js';
export { quantiseInt8, dequantiseInt8, int8ErrorBound, type QuantisedTensor } from './int8.js';
export { encodeMessage, decodeMessage } from './wire.js';
export { writeClientDataset, readClientDataset, type LabelledRows } from './dataset-file.js';
export type { ClientDataSource, LocalTraining } from './protocol.js';
