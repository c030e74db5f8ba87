// The Benchmarks Game's binary-trees (the node.js #1 program's algorithm, single-threaded), at
// depth 16 by default (`node binary-trees.js 18` for another). Plain ES5 plus `class`, so
// duktape and mujs run it as well: no arrow functions or template literals.
function TreeNode(left, right) {
  this.left = left;
  this.right = right;
}
function itemCheck(node) {
  if (node.left === null) return 1;
  return 1 + itemCheck(node.left) + itemCheck(node.right);
}
function bottomUpTree(depth) {
  return depth > 0
    ? new TreeNode(bottomUpTree(depth - 1), bottomUpTree(depth - 1))
    : new TreeNode(null, null);
}
var argv = typeof process !== 'undefined' && process.argv ? process.argv : (typeof scriptArgs !== 'undefined' ? ['', ''].concat(scriptArgs) : []);
var maxDepth = Math.max(6, parseInt(argv[2] || '16', 10) || 16);
var out = typeof console !== 'undefined' ? function (s) { console.log(s); } : print;
var stretchDepth = maxDepth + 1;
out('stretch tree of depth ' + stretchDepth + '\t check: ' + itemCheck(bottomUpTree(stretchDepth)));
var longLivedTree = bottomUpTree(maxDepth);
for (var depth = 4; depth <= maxDepth; depth += 2) {
  var iterations = 1 << (maxDepth - depth + 4);
  var check = 0;
  for (var i = 0; i < iterations; i++) check += itemCheck(bottomUpTree(depth));
  out(iterations + '\t trees of depth ' + depth + '\t check: ' + check);
}
out('long lived tree of depth ' + maxDepth + '\t check: ' + itemCheck(longLivedTree));
