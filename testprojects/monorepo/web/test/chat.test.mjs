// Pants 2.17 runs JavaScript test files only (`javascript_tests`): this one runs the suite that
// `npm run build` (the `:web#build` dependency) compiled from chat.test.ts.
import "../build/web/test/chat.test.js";
