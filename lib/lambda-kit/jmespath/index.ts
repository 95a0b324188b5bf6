/** The bundles' stand-in for `@aws-lambda-powertools/jmespath` (infra/bundling.ts aliases the package to this folder): ./search.ts. */
export { search } from './search.ts';
