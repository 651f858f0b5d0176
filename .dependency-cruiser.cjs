/**
 * The import rules of frost's source, checked by `npm run deps` (part of `npm test`).
 * See ARCHITECTURE.md for the layers these rules keep apart.
 */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "No import circles, type-only imports included: each module can be read and tested after what it imports.",
      from: {},
      to: { circular: true },
    },
    {
      name: "reconcile-not-cmd",
      severity: "error",
      comment: "The engine and its providers never import the command line: cmd/ calls reconcile/, not the other way round.",
      from: { path: "^reconcile/" },
      to: { path: "^cmd/" },
    },
    {
      name: "engine-not-providers",
      severity: "error",
      comment: "The engine knows no provider by name: it reaches them through reconcile/providers/registry.ts only.",
      from: { path: "^reconcile/", pathNot: "^reconcile/providers/" },
      to: { path: "^reconcile/providers/", pathNot: "^reconcile/providers/registry[.]ts$" },
    },
    {
      name: "providers-not-each-other",
      severity: "error",
      comment: "A provider never imports another one (a cloud reaches its compute hosts through compute.ts, wired in the registry).",
      from: { path: "^reconcile/providers/([^/]+)/" },
      to: { path: "^reconcile/providers/", pathNot: "^reconcile/providers/$1/" },
    },
    {
      name: "commands-not-providers",
      severity: "error",
      comment: "Commands parse, call the engine, render and map errors; what a provider does is reached through the engine.",
      from: { path: "^cmd/" },
      to: { path: "^reconcile/providers/" },
    },
    {
      name: "product-not-tests",
      severity: "error",
      comment: "The fakes and helpers under test/ never ship: nothing in the product imports them.",
      from: { path: "^(reconcile|cmd|bin)/" },
      to: { path: "^(test|bench|lab)/" },
    },
    {
      name: "not-to-unresolvable",
      severity: "error",
      comment: "Every relative import resolves to a file.",
      from: {},
      to: { couldNotResolve: true, path: "^[.]" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    // bin/frost.js loads the build; the rules are about the sources.
    exclude: { path: "^dist/" },
    parser: "swc",
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      extensions: [".ts", ".js"],
    },
  },
};
