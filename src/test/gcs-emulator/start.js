// The Cloud Storage emulator of firebase-tools alone, for GcsSdkEmulatorTest (support/GcsEmulator.java starts it):
// `node start.js PORT`. firebase-tools' own launcher wants Java 21+ and downloads a Storage Rules runtime (a jar from
// storage.googleapis.com, unreachable here) before it starts; the JSON API (/storage/v1, /upload/storage/v1) that the
// Java SDK speaks runs on the emulator's admin layer and never consults rules, so the rules runtime and manager are
// replaced by no-ops. Blobs go to a fresh temporary directory, deleted when the process ends normally.
"use strict";
const fs = require("fs");
const os = require("os");
const path = require("path");
const { StorageEmulator } = require("firebase-tools/lib/emulator/storage");
const { EmulatorRegistry } = require("firebase-tools/lib/emulator/registry");

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) {
  console.error("usage: node start.js PORT");
  process.exit(2);
}
const blobs = fs.mkdtempSync(path.join(os.tmpdir(), "tus-gcs-emulator-"));
const noRules = { start: async () => undefined, stop: async () => undefined, getRuleset: () => undefined };

class JsonApiOnly extends StorageEmulator {
  createRulesManager() {
    return noRules;
  }
  getPersistenceTmpDir() {
    return blobs;
  }
}

const emulator = new JsonApiOnly({ host: "127.0.0.1", port, projectId: "emulator", rules: [] });
emulator._rulesRuntime = noRules;
const stop = () => fs.rm(blobs, { recursive: true, force: true }, () => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
EmulatorRegistry.start(emulator).then(
  () => console.log(`gcs emulator listening on 127.0.0.1:${port}`),
  (e) => {
    console.error(e);
    process.exit(1);
  });
