function greet() {
  let name = "Abhi";
  setTimeout(() => console.log(name), 1000);
}
greet();
