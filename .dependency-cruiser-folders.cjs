/**
 * The second pass of `npm run lint:layers`: folders of lib/ form no cycle, on the graph without
 * the contracts (base-layer declarations that live in their service's folder and that the
 * registry aggregates, so with them every service folder and the registry would form a knot).
 */
const layers = require('./.dependency-cruiser.cjs');

/** The contracts' files (the CONTRACT pattern of .dependency-cruiser.cjs). */
const CONTRACT = '^lib/[^/]+/contract(\\.ts$|-[a-z-]+\\.ts$)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-folder-cycles',
      comment:
        'folders of lib/ form no cycle once contracts are set aside (a knot makes every change cross-cutting)',
      severity: 'error',
      scope: 'folder',
      from: { path: '^lib/' },
      to: { path: '^lib/', circular: true },
    },
  ],
  options: { ...layers.options, exclude: { path: CONTRACT } },
};
