export * from './minhash.js';
