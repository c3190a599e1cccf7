// Creates the embedded store's database folder (PGlite's initdb) and exits. Run by
// openEmbeddedStore (src/storage/embedded.ts) as a child process when the folder has no
// database yet: initdb runs a second PGlite beside the first, 700–800 MiB at its peak, and the
// process that ran it kept RSS it never gave back.
// Plain JavaScript, so it runs without tsx from src/ and lib/ alike.
//   node src/storage/embedded-initdb.cjs <database folder> [<setting>=<value> …]
'use strict';
const { PGlite } = require('@electric-sql/pglite');

const [folder, ...settings] = process.argv.slice(2);
PGlite.create(folder, { startParams: [...PGlite.defaultStartParams, ...settings.flatMap((s) => ['-c', s])] })
  .then((db) => db.close())
  .catch((err) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  });
