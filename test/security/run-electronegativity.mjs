// Runs Electronegativity over a folder and prints one JSON line: the checks it
// loaded, the files it could not parse, and the path of the CSV it wrote.
// The tool downloads translations and Electron's release list with `got`
// whenever it starts; the suite runs offline, so `got` is replaced by one
// that fails at once (the same outcome as no network, minus got's retries).
// Usage: node run-electronegativity.mjs <input dir> <output.csv> <electron version>
import fs from 'node:fs';
import Module, { createRequire } from 'node:module';

const [input, output, electronVersion] = process.argv.slice(2);
if (!input || !output || !electronVersion) {
  console.error(
    'usage: node run-electronegativity.mjs <input dir> <output.csv> <electron version>',
  );
  process.exit(2);
}

function offlineGot() {
  return Promise.reject(new Error('offline: the security suite makes no network requests'));
}
offlineGot.head = offlineGot;
offlineGot.get = offlineGot;
const load = Module._load;
Module._load = function (request, parent, isMain) {
  if (request === 'got') return offlineGot;
  return load.call(this, request, parent, isMain);
};

// The tool writes its CSV header and then its rows with two async
// fs.writeFile calls ('w', then 'a') that race: on a loaded machine the
// header's truncating write can land last and wipe the rows. This process
// runs only the tool, so its writes are made synchronous, in program order.
fs.writeFile = (file, data, options, callback) => {
  const done = typeof options === 'function' ? options : callback;
  try {
    fs.writeFileSync(file, data, typeof options === 'function' ? undefined : options);
  } catch (error) {
    if (done) done(error);
    else throw error;
    return;
  }
  done?.(null);
};

const require = createRequire(import.meta.url);
const run =
  require('@doyensec/electronegativity').default ?? require('@doyensec/electronegativity');
const quiet = console.log;
console.log = () => {}; // the tool narrates its failed downloads
let result;
try {
  result = await run({
    input,
    output,
    isSarif: false,
    isRelative: true,
    isVerbose: true,
    customScan: [],
    excludeFromScan: [],
    electronVersionOverride: electronVersion,
    parserPlugins: [],
  });
} finally {
  console.log = quiet;
}
process.stdout.write(
  `${JSON.stringify({
    globalChecks: result.globalChecks,
    atomicChecks: result.atomicChecks,
    errors: result.errors,
    issues: result.issues.length,
  })}\n`,
);
