/** The model registry (docs/registry.md): SQLite records, content-addressed files, aliases, roles. */
export * from './layout.js';
export * from './types.js';
export { openRegistry, getModel, findModel, allModels, parseRef, type Registry } from './open.js';
export { registerModelDir, checkName, type RegisterInfo } from './register.js';
export { setAlias, removeAlias, requestAlias, approveRequest, listRequests, listAliases, aliasedVersions, PRODUCTION } from './aliases.js';
export { createToken, listTokens, parseRole, requireRole, type Actor } from './auth.js';
export { archiveModel, restoreModel, retention, verifyRegistry, type RetentionPlan } from './archive.js';
export { listModels, showModel, diffModels, readLog } from './query.js';
export { logAction } from './schema.js';
