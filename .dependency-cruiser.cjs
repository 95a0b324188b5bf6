/**
 * The layering of the code (docs/architecture.md), enforced by `npm run lint` over lib/,
 * functions/, infra/, bin/, bench/, console/src/ and localstack/ (test/ may import anything):
 *
 *   base      lib/errors.ts, lib/config.ts, lib/config/, lib/aws/, lib/limits/, lib/entity-metadata/,
 *             lib/registry/, and every service's contract: lib/<service>/contract.ts and its parts
 *             lib/<service>/contract-<part>.ts
 *   core      lib/auth/, lib/policy/, lib/store/, lib/events/ (envelope, outbox, publisher, archive, schedule)
 *   kit       the Lambda kit: lib/lambda-kit/, lib/observability.ts, lib/health.ts
 *   services  every other file of lib/, one folder per service
 *
 * A layer imports only its own layer and those below it. A contract is a service's public
 * declaration (its routes and their schemas, events, table design, search fields): SDK-free, it
 * imports only zod, lib/errors.ts, lib/limits/, lib/entity-metadata/, lib/registry/ and other
 * contracts; the registry aggregates the contracts. A service imports base (other services'
 * contracts included), core, the kit and its own folder, never another service's other files:
 * services talk through events. functions/ import only entry points; lib/ never imports infra/,
 * test/, bench/, functions/ or localstack/.
 *
 *   client      lib/client/: the live client helper, for browsers (console/) and demos. It imports
 *               nothing outside its folder (no package, no node: module); nothing else in lib/
 *               imports it; the console imports nothing else from lib/.
 *   infra       the CDK app: contracts, the registry and the rest of base, core, and a service's
 *               index.ts (its public entry: re-exports of pure code); never a service's other
 *               files, the kit, functions/, test/ or bench/.
 *   bin         the CLI and doc generators: what infra may, plus the kit and lib/client; never test/,
 *               functions/ or bench/.
 *   localstack  the local platform: base, core, contracts and lib/client; never a service's other
 *               files, test/, functions/ or bench/.
 *   bench       benchmarks measure lib's own units side by side, so they may import any file of
 *               lib/; never test/ (fixtures a benchmark needs live in bench/) or functions/.
 */
const CONTRACT = '^lib/[^/]+/contract(\\.ts$|-[a-z-]+\\.ts$)';
const BASE_DIRS = '^lib/(errors\\.ts$|config\\.ts$|config/|aws/|limits/|entity-metadata/|registry/)';
const BASE = [BASE_DIRS, CONTRACT];
const CORE = '^lib/(auth/|policy/|store/|events/(envelope|outbox|publisher|archive|schedule)\\.ts$)';
const KIT = '^lib/(lambda-kit/|observability\\.ts$|health\\.ts$)';
const NOT_SERVICE = [...BASE, CORE, KIT];
const SERVICE = '^lib/';
const CLIENT = '^lib/client/';
/** A service's public entry: its index.ts (re-exports only). */
const SERVICE_INDEX = '^lib/[^/]+/index\\.ts$';
/** What a contract may import: zod, the SDK-free part of base, other contracts. */
const CONTRACT_DEPS = [
  '^node_modules/zod/',
  '^lib/(errors\\.ts$|limits/|entity-metadata/|registry/)',
  CONTRACT,
];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'base-imports-upward',
      comment:
        'base (errors, config, aws, limits, entity-metadata, registry, every contract) imports nothing above it',
      severity: 'error',
      from: { path: BASE },
      to: { path: '^lib/', pathNot: BASE },
    },
    {
      name: 'contract-imports-beyond-contracts',
      comment:
        'a contract is SDK-free and importable by infra, the registry, the console, bench and tests: it imports only zod, lib/errors.ts, lib/limits/, lib/entity-metadata/, lib/registry/ and other contracts',
      severity: 'error',
      from: { path: CONTRACT },
      to: { pathNot: CONTRACT_DEPS },
    },
    {
      name: 'registry-imports-the-sdk',
      comment: 'the registry aggregates the contracts, which import it: it stays SDK-free too',
      severity: 'error',
      from: { path: '^lib/registry/' },
      to: { path: ['^lib/aws/', '^node_modules/@aws-sdk/'] },
    },
    {
      name: 'core-imports-upward',
      comment: 'core (auth, policy, store, events) imports only core and base',
      severity: 'error',
      from: { path: CORE },
      to: { path: '^lib/', pathNot: [...BASE, CORE] },
    },
    {
      name: 'lambda-kit-imports-a-service',
      comment: 'the Lambda kit imports only the kit, core and base: services plug into it, not the reverse',
      severity: 'error',
      from: { path: KIT },
      to: { path: '^lib/', pathNot: NOT_SERVICE },
    },
    {
      name: 'service-imports-another-service',
      comment:
        'a service imports base (other services’ contracts included), core, the Lambda kit and its own folder only: services talk through events, never through each other’s code',
      severity: 'error',
      from: { path: `${SERVICE}([^/]+)/`, pathNot: NOT_SERVICE },
      to: { path: SERVICE, pathNot: [...NOT_SERVICE, '^lib/$1/'] },
    },
    {
      name: 'service-root-file-imports-a-service',
      comment: 'a service file directly in lib/ (none today) must not import a service folder either',
      severity: 'error',
      from: { path: '^lib/[^/]+\\.ts$', pathNot: NOT_SERVICE },
      to: { path: SERVICE, pathNot: NOT_SERVICE },
    },
    {
      name: 'client-imports-outside-client',
      comment:
        'lib/client runs in browsers and bundles into the console: it imports nothing outside its folder (no lib/ module, no package, no node: builtin)',
      severity: 'error',
      from: { path: CLIENT },
      to: { pathNot: CLIENT },
    },
    {
      name: 'lib-imports-client',
      comment: 'lib/client is for clients: the server side never imports it',
      severity: 'error',
      from: { path: '^lib/', pathNot: CLIENT },
      to: { path: CLIENT },
    },
    {
      name: 'console-imports-server-code',
      comment: 'the console (a browser page) takes from lib/ only the client helper',
      severity: 'error',
      from: { path: '^console/src/' },
      to: { path: '^(lib|functions|infra|localstack|bin|bench|test)/', pathNot: CLIENT },
    },
    {
      name: 'no-module-cycles',
      comment:
        'modules form no cycle (folders may: a service’s contract is base, aggregated by the registry, while its code imports the registry)',
      severity: 'error',
      from: { path: '^(lib|functions|infra|bin|bench|localstack)/' },
      to: { circular: true },
    },
    {
      name: 'store-imports-routes',
      comment:
        'the entity store reads services as declared (lib/registry/declared.ts, services.ts, fields.ts, types.ts, and the contracts they list), ' +
        'never the routes joined to them (lib/registry’s other files, a contract-routes.ts): every Lambda writing to other services’ entities bundles the store',
      severity: 'error',
      from: { path: '^lib/store/' },
      to: {
        path: ['^lib/registry/', '^lib/[^/]+/contract-routes\\.ts$'],
        pathNot: '^lib/registry/(declared|services|fields|types)\\.ts$',
      },
    },
    {
      name: 'declaration-imports-routes',
      comment:
        'a service’s contract.ts is what the entity stores bundle (lib/registry/declared.ts): its routes and their schemas stay in contract-routes.ts',
      severity: 'error',
      from: { path: '^lib/[^/]+/contract\\.ts$' },
      to: {
        path: [
          '^lib/[^/]+/contract-routes\\.ts$',
          '^lib/registry/(domain|domain-routes|catalog|gateway|index)\\.ts$',
        ],
      },
    },
    {
      name: 'lib-imports-outside-lib',
      comment:
        'lib/ is the shared layer: it never imports infra/, test/, bench/, functions/, bin/ or localstack/',
      severity: 'error',
      from: { path: '^lib/' },
      to: { path: '^(infra|test|bench|functions|bin|localstack)/' },
    },
    {
      name: 'function-imports-internals',
      comment:
        'functions/ are thin: they import lib entry points only (a service’s index.ts, lambda.ts or <name>-lambda.ts for a service with several functions, the kit, base and core), never another function',
      severity: 'error',
      from: { path: '^functions/' },
      to: {
        pathNot: [
          '^node_modules/',
          '^functions/([^/]+)/',
          '^lib/[^/]+/(index|lambda|[a-z]+-lambda)\\.ts$',
          ...NOT_SERVICE,
        ],
      },
    },
    {
      name: 'function-imports-another-function',
      severity: 'error',
      from: { path: '^functions/([^/]+)/' },
      to: { path: '^functions/', pathNot: '^functions/$1/' },
    },
    {
      name: 'infra-imports-service-internals',
      comment:
        'infra builds the stack from declarations: contracts, the registry and the rest of base, core, and a service’s index.ts (its public entry); never a service’s other files or the Lambda kit',
      severity: 'error',
      from: { path: '^infra/' },
      to: { path: '^lib/', pathNot: [...BASE, CORE, SERVICE_INDEX] },
    },
    {
      name: 'bin-imports-service-internals',
      comment:
        'the CLI and the doc generators use what infra may, the kit and the client helper; never a service’s other files',
      severity: 'error',
      from: { path: '^bin/' },
      to: { path: '^lib/', pathNot: [...NOT_SERVICE, SERVICE_INDEX, CLIENT] },
    },
    {
      name: 'localstack-imports-service-internals',
      comment: 'the local platform uses base (contracts included), core and the client helper',
      severity: 'error',
      from: { path: '^localstack/' },
      to: { path: '^lib/', pathNot: [...BASE, CORE, CLIENT] },
    },
    {
      name: 'tools-import-tests-or-functions',
      comment:
        'infra, bin, bench and localstack never import test/ (a fixture a benchmark needs lives in bench/) or functions/ (infra names their folders, it does not import them)',
      severity: 'error',
      from: { path: '^(infra|bin|bench|localstack)/' },
      to: { path: '^(test|functions)/' },
    },
    {
      name: 'tools-import-bench',
      comment: 'benchmarks are leaves: nothing outside bench/ (tests aside) imports them',
      severity: 'error',
      from: { path: '^(lib|functions|infra|bin|localstack|console)/' },
      to: { path: '^bench/' },
    },
    {
      name: 'runtime-imports-a-dev-dependency',
      comment:
        'what the Lambdas bundle (lib/, functions/) imports runtime dependencies only: a package only bench/ and test/ use is a devDependency (types aside)',
      severity: 'error',
      from: { path: '^(lib|functions)/' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
  },
};
