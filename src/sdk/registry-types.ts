// The native registry API's JSON, as the SDK returns it: the types generated from the server's OpenAPI
// document (openapi-types.ts, `npm run openapi:types`; the schemas are api/flowgate/schemas/native-entities.ts).
import type { components } from "./openapi-types.js";

type Schemas = components["schemas"];

export type HouseFieldsJson = Schemas["HouseFields"];
export type ModelVersionJson = Schemas["NativeModelVersion"];
export type RegisteredModelJson = Schemas["NativeRegisteredModel"];
export type ResolvedModelUriJson = Schemas["ResolvedModelUri"];
export type ModelInfoJson = Schemas["ModelInfo"];
