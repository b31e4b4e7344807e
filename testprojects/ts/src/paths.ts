// Where the tests find their data. The harness sets SSEGEN_SSE_VECTORS to its copy of the vectors;
// run in place (build/src/ inside testprojects/ts), the repo copy is found relative to this file.
import { fileURLToPath } from "node:url";

export function vectorsPath(): string {
  const fromEnv = process.env["SSEGEN_SSE_VECTORS"];
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  return fileURLToPath(new URL("../../../conformance/sse_vectors.json", import.meta.url));
}

export function jsonMappingCasesPath(): string {
  const fromEnv = process.env["SSEGEN_JSON_MAPPING_CASES"];
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  return fileURLToPath(new URL("../../../conformance/json_mapping.json", import.meta.url));
}

export function validationCasesPath(): string {
  const fromEnv = process.env["SSEGEN_VALIDATION_CASES"];
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  return fileURLToPath(new URL("../../../conformance/validation.json", import.meta.url));
}
