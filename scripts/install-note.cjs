// After `npm install`: when npm itself ran on an older Node.js than the one the project brings, say once what its
// EBADENGINE notes above mean, so nobody takes them for a broken install.
const npmNode = /\bnode\/v(\d+)\./.exec(process.env.npm_config_user_agent || '');
const projectNode = require('../package.json').devDependencies.node;
if (npmNode && Number(npmNode[1]) < Number(projectNode.split('.')[0])) {
  console.log(
    `\nnpm ran on this machine's Node.js ${npmNode[1]}, so it noted (EBADENGINE) packages that need a newer one. ` +
      `RootMail and every npm script run on the Node.js ${projectNode} this install brought ` +
      '(node_modules/.bin/node); see "Which Node runs it" in README.md.\n',
  );
}
