/**
 * The Node.js line RootMail is built, tested and deployed on: the project's own Node (package.json
 * devDependencies `node`, which npm scripts run), `.ci/run`, and App Service's `NODE|24-lts` (infra/). Older
 * lines lack what it uses (node:sqlite without a flag) and no longer get security fixes.
 */
export const NODE_MAJOR = 24;

/** Why this Node.js cannot run RootMail, in words that say what to do; undefined when it can. */
export function unsupportedNode(version: string): string | undefined {
  const major = Number(/^v?(\d+)\./.exec(version)?.[1]);
  if (major >= NODE_MAJOR) return undefined;
  return (
    `RootMail runs on Node.js ${NODE_MAJOR} LTS; this is Node.js ${version}. ` +
    `Start it with \`npm start\` (npm scripts run the Node.js ${NODE_MAJOR} that \`npm install\` brought into ` +
    `node_modules), or install Node.js ${NODE_MAJOR} and run it with that.`
  );
}
