/**
 * The layering of lib/ (docs/architecture.md), enforced by `npm run lint`:
 *
 *   base      lib/errors.ts, lib/config.ts, lib/config/, lib/aws/, lib/limits/, lib/entity-metadata/, lib/registry/
 *   core      lib/auth/, lib/policy/, lib/store/, lib/events/ (envelope, outbox, publisher, archive, schedule)
 *   kit       the Lambda kit: lib/lambda-kit/, lib/observability.ts, lib/health.ts
 *   services  every other folder of lib/, one per service
 *
 * A layer imports only its own layer and those below it. Services never import one another
 * (they talk through events); functions/ import only entry points; lib/ never imports
 * infra/, test/, bench/ or functions/.
 *
 *   client    lib/client/: the live client helper, for browsers (console/) and demos. It imports
 *             nothing outside its folder (no package, no node: module); nothing else in lib/
 *             imports it; the console imports nothing else from lib/.
 */
/** A service's contract (`lib/<service>/contract.ts`, `contract-<part>.ts`): SDK-free declarations, base. */
const CONTRACT = '^lib/[a-z-]+/contract[a-z-]*[.]ts$';
const BASE = `^lib/(errors\\.ts$|config\\.ts$|config/|aws/|limits/|entity-metadata/|registry/)|${CONTRACT}`;
const CORE = '^lib/(auth/|policy/|store/|events/(envelope|outbox|publisher|archive|schedule)\\.ts$)';
const KIT = '^lib/(lambda-kit/|observability\\.ts$|health\\.ts$)';
const NOT_SERVICE = [BASE, CORE, KIT];
const SERVICE = '^lib/';
const CLIENT = '^lib/client/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'base-imports-upward',
      comment: 'base (errors, config, aws, limits, entity-metadata, registry) imports nothing above it',
      severity: 'error',
      from: { path: BASE },
      to: { path: '^lib/', pathNot: BASE },
    },
    {
      name: 'core-imports-upward',
      comment: 'core (auth, policy, store, events) imports only core and base',
      severity: 'error',
      from: { path: CORE },
      to: { path: '^lib/', pathNot: [BASE, CORE] },
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
        'a service imports base, core, the Lambda kit and its own folder only: services talk through events, never through each other’s code',
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
      to: { path: '^(lib|functions|infra|localstack)/', pathNot: CLIENT },
    },
    // no-folder-cycles (scope: 'folder') is off while the registry aggregates contracts that
    // live in service folders (lib/<service>/contract*.ts): registry → lib/records (contract) →
    // lib/lambda-kit → registry is a folder cycle by construction, and dependency-cruiser's
    // folder scope cannot exempt a file (its `via` filters are not applied to folders).
    // no-module-cycles below still forbids every real cycle.
    {
      name: 'no-module-cycles',
      comment: 'modules form no cycle',
      severity: 'error',
      from: { path: '^(lib|functions)/' },
      to: { circular: true },
    },
    {
      name: 'store-imports-routes',
      comment:
        'the entity store reads services as declared (lib/registry/declared.ts, services.ts, types.ts), ' +
        'never the routes joined to them: every Lambda writing to other services entities bundles the store',
      severity: 'error',
      from: { path: '^lib/store/' },
      to: { path: '^lib/registry/', pathNot: '^lib/registry/(declared|services|types)\\.ts$' },
    },
    {
      name: 'lib-imports-outside-lib',
      comment: 'lib/ is the shared layer: it never imports infra/, test/, bench/, functions/ or localstack/',
      severity: 'error',
      from: { path: '^lib/' },
      to: { path: '^(infra|test|bench|functions|localstack)/' },
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
