function greet(name) {
  return `Hello, ${name}`; // 3. runs, returns
}
function welcome(user) {
  const msg = greet(user.name); // 2. calls greet → greet pushed
  console.log(msg); // 4. greet popped, this runs
}
welcome({ name: 'Alice' }); // 1. pushed onto stack
