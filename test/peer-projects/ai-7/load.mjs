// Imports a module as code in this project would: `turnstore/...` is the copy of the built package
// that scripts/run-tests.mjs puts into node_modules, so turnstore's own imports resolve here too.
export const load = (specifier) => import(specifier);
