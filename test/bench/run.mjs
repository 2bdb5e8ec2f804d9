// `npm run bench`: the benchmark harness. Benchmarks arrive with the
// directory service; until then this prints what will be measured.
console.log(
  'Rollcall benchmarks\n\nNo benchmarks are defined yet (they arrive with the directory service).',
);
