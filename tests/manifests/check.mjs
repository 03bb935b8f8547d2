// Offline checks of the scheduler examples in docs/scale-out.md, as the services would see them:
//   node check.mjs k8s-job FILE.yaml           the Job against the Kubernetes batch/v1 schema (kubernetes-models:
//                                              types, formats, enums, required fields) and, strictly, no field
//                                              the API does not have (kubectl's --validate=strict)
//   node check.mjs aws-register FILE.json      RegisterJobDefinition's input against the AWS Batch service model
//                                              (aws-sdk's own parameter validator)
//   node check.mjs aws-submit ARG...           `aws batch submit-job ARG...` turned into SubmitJob's input as the
//                                              AWS CLI does (--kebab-name → member, JSON or shorthand values),
//                                              then checked against the model
// Prints the checked object as JSON on stdout (the test applies the cross-field rules to it); on any error,
// prints one line per error on stderr and exits 1. No network: the SDK only builds the request.
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import YAML from "yaml";
import { Job } from "kubernetes-models/batch/v1/Job";

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const [mode, ...args] = process.argv.slice(2);
const errors = [];

// ---- Kubernetes -------------------------------------------------------------------------------------------

// Known fields come from the models' type declarations (generated from the same OpenAPI spec as the schema):
// each interface's quoted properties, and the declaration file of each referenced interface.
function declaration(file) {
  const text = readFileSync(file, "utf8");
  const imports = new Map();
  for (const m of text.matchAll(/import \{ (\w+) \} from "([^"]+)";/g)) {
    const target = m[2].startsWith(".") ? resolve(dirname(file), m[2].replace(/\.js$/, ".d.ts"))
      : join(here, "node_modules", m[2] + ".d.ts");
    imports.set(m[1], target);
  }
  const body = text.slice(text.indexOf("export interface"), text.indexOf("\n}", text.indexOf("export interface")));
  const fields = new Map();
  for (const m of body.matchAll(/^ {4}"?(\$?\w+)"?\??: (.*)$/gm)) {
    const ref = /^(?:Array<)?(\w+)>?;$/.exec(m[2]);
    fields.set(m[1], ref && imports.has(ref[1]) ? imports.get(ref[1]) : null);
  }
  return fields;
}

function strict(value, file, where) {
  if (Array.isArray(value)) {
    value.forEach((v, i) => strict(v, file, `${where}[${i}]`));
    return;
  }
  if (value === null || typeof value !== "object") return;
  const fields = declaration(file);
  for (const [key, v] of Object.entries(value)) {
    if (!fields.has(key)) errors.push(`${where}.${key}: unknown field`);
    else if (fields.get(key)) strict(v, fields.get(key), `${where}.${key}`);
  }
}

function checkJob(file) {
  const docs = YAML.parseAllDocuments(readFileSync(file, "utf8"));
  if (docs.length !== 1) errors.push(`${file}: ${docs.length} YAML documents, expected 1`);
  for (const e of docs[0].errors) errors.push(`${file}: YAML: ${e.message}`);
  const job = docs[0].toJS();
  try {
    new Job(job).validate();
  } catch (e) {
    errors.push(`schema: ${e.message}`);
  }
  strict(job, join(here, "node_modules/kubernetes-models/batch/v1/Job.d.ts"), "job");
  return job;
}

// ---- AWS Batch --------------------------------------------------------------------------------------------

const AWS = require("aws-sdk");
process.env.AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE = "1";
const batch = new AWS.Batch({ region: "eu-west-1", credentials: { accessKeyId: "offline", secretAccessKey: "offline" }, paramValidation: { min: true, max: true } });

// The SDK's validator checks member names, types, required members and min/max. Its model carries no enums;
// the test checks the enum values the examples use.
function checkAws(operation, params) {
  const request = batch[operation](params);
  request.build((e) => { if (e) errors.push(`${operation}: ${e.message}`); });
  return params;
}

// The AWS CLI's shorthand for structures: key=value,key=[{k=v,k=v},{…}] (values are strings; numbers where the
// model says integer are converted by the CLI, as here by the shape).
function shorthand(text) {
  let i = 0;
  function value() {
    if (text[i] === "[") {
      i++;
      const list = [];
      while (text[i] !== "]") { list.push(value()); if (text[i] === ",") i++; }
      i++;
      return list;
    }
    if (text[i] === "{") {
      i++;
      const o = struct("}");
      i++;
      return o;
    }
    const start = i;
    while (i < text.length && !",]}".includes(text[i])) i++;
    return text.slice(start, i);
  }
  function struct(end) {
    const o = {};
    while (i < text.length && text[i] !== end) {
      const eq = text.indexOf("=", i);
      const key = text.slice(i, eq);
      i = eq + 1;
      o[key] = value();
      if (text[i] === ",") i++;
    }
    return o;
  }
  return struct(undefined);
}

function typed(value, shape) {
  if (shape === undefined) return value;
  if (shape.type === "integer" || shape.type === "long") return typeof value === "string" && /^-?\d+$/.test(value) ? Number(value) : value;
  if (shape.type === "structure" && value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, typed(v, shape.members[k])]));
  }
  if (shape.type === "list" && Array.isArray(value)) return value.map((v) => typed(v, shape.member));
  return value;
}

function submitParams(cliArgs) {
  const input = batch.api.operations.submitJob.input;
  const params = {};
  for (let i = 0; i < cliArgs.length; i += 2) {
    if (!cliArgs[i].startsWith("--")) { errors.push(`submit-job: '${cliArgs[i]}' is not an option`); i--; continue; }
    const name = cliArgs[i].slice(2).replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    const raw = cliArgs[i + 1];
    const member = input.members[name];
    if (!member) { errors.push(`submit-job: unknown option ${cliArgs[i]}`); continue; }
    const parsed = /^[[{]/.test(raw) ? JSON.parse(raw) : member.type === "structure" ? shorthand(raw) : raw;
    params[name] = typed(parsed, member);
  }
  return params;
}

let result;
if (mode === "k8s-job") result = checkJob(args[0]);
else if (mode === "aws-register") result = checkAws("registerJobDefinition", JSON.parse(readFileSync(args[0], "utf8")));
else if (mode === "aws-submit") result = checkAws("submitJob", submitParams(args));
else { console.error("usage: node check.mjs k8s-job FILE.yaml | aws-register FILE.json | aws-submit ARG..."); process.exit(2); }

if (errors.length) {
  for (const e of errors) console.error(e);
  process.exit(1);
}
console.log(JSON.stringify(result));
