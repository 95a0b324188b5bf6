/**
 * The second pass of `npm run lint:layers`: folders of lib/ form no cycle, on the graph without
 * the contracts (they are base-layer declarations that live in their service's folder).
 */
const layers = require('./.dependency-cruiser.cjs');

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [layers.NO_FOLDER_CYCLES],
  options: { ...layers.options, exclude: { path: layers.CONTRACT } },
};
