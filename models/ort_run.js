#!/usr/bin/env node
// Runs an ONNX model in ONNX Runtime (the npm package onnxruntime-node): the project's
// independent FP32 reference (DESIGN §2, §7).
//
//   node models/ort_run.js MODEL.onnx --input NAME=FILE.npy ... --output DIR [--time N]
//
// Writes DIR/<output name>.npy for every graph output. --time N runs N more times after the
// first and prints "mean <seconds> s over N runs" as the last line. Errors name the file or the
// input, exit non-zero, and leave no partial .npy behind (each file is written to a temporary
// name and renamed).
'use strict';

const fs = require('fs');
const path = require('path');

const ORT_PATH = path.join(__dirname, '..', 'third_party', 'npm', 'node_modules',
                           'onnxruntime-node');

class UsageError extends Error {}

// --- .npy (format 1.0 / 2.0 / 3.0, little-endian, C order) -----------------------------------

// npy descr -> [onnxruntime tensor type, TypedArray constructor]. float16 travels as raw
// Uint16 bits, which is what onnxruntime-node expects for 'float16'.
const DTYPES = {
  '<f4': ['float32', Float32Array],
  '<f8': ['float64', Float64Array],
  '<f2': ['float16', Uint16Array],
  '<i8': ['int64', BigInt64Array],
  '<i4': ['int32', Int32Array],
  '<i2': ['int16', Int16Array],
  '|i1': ['int8', Int8Array],
  '|u1': ['uint8', Uint8Array],
  '|b1': ['bool', Uint8Array],
};

function readNpy(file) {
  let buf;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    throw new UsageError(`${file}: cannot read (${e.code || e.message})`);
  }
  const magic = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);
  if (buf.length < 10 || !buf.subarray(0, 6).equals(magic))
    throw new UsageError(`${file}: not a .npy file (bad magic)`);
  const major = buf[6];
  let headerLen, offset;
  if (major === 1) {
    headerLen = buf.readUInt16LE(8);
    offset = 10;
  } else if (major === 2 || major === 3) {
    if (buf.length < 12) throw new UsageError(`${file}: truncated .npy header`);
    headerLen = buf.readUInt32LE(8);
    offset = 12;
  } else {
    throw new UsageError(`${file}: unsupported .npy version ${major}`);
  }
  if (offset + headerLen > buf.length) throw new UsageError(`${file}: truncated .npy header`);
  const header = buf.toString(major === 3 ? 'utf8' : 'latin1', offset, offset + headerLen);
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header);
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header);
  const shapeM = /'shape'\s*:\s*\(([^)]*)\)/.exec(header);
  if (!descr || !fortran || !shapeM) throw new UsageError(`${file}: malformed .npy header`);
  if (fortran[1] === 'True') throw new UsageError(`${file}: Fortran-order arrays are not supported`);
  const kind = DTYPES[descr[1]];
  if (!kind) throw new UsageError(`${file}: unsupported dtype '${descr[1]}'`);
  const shape = shapeM[1].split(',').map((s) => s.trim()).filter((s) => s.length)
                    .map((s) => Number(s));
  if (shape.some((d) => !Number.isInteger(d) || d < 0))
    throw new UsageError(`${file}: malformed shape (${shapeM[1]})`);
  const count = shape.reduce((a, b) => a * b, 1);
  const [type, Ctor] = kind;
  const dataOff = offset + headerLen;
  const bytes = count * Ctor.BYTES_PER_ELEMENT;
  if (buf.length - dataOff !== bytes)
    throw new UsageError(`${file}: expected ${bytes} data bytes for shape [${shape}], ` +
                         `found ${buf.length - dataOff}`);
  // Copy so the typed array is aligned whatever the header length was.
  const data = new Ctor(count);
  Buffer.from(data.buffer).set(buf.subarray(dataOff, dataOff + bytes));
  return { type, data: type === 'bool' ? Uint8Array.from(data, (v) => (v ? 1 : 0)) : data,
           shape };
}

function npyBytes(tensor) {
  const entry = Object.entries(DTYPES).find(([, [t]]) => t === tensor.type);
  if (!entry) throw new Error(`cannot write tensor of type ${tensor.type} as .npy`);
  const dims = tensor.dims.map(Number);
  const shape = dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`;
  let header = `{'descr': '${entry[0]}', 'fortran_order': False, 'shape': ${shape}, }`;
  // Pad so that the data starts on a 64-byte boundary, newline-terminated (npy spec).
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, ' ') + '\n';
  const head = Buffer.alloc(10);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(head);
  head.writeUInt16LE(header.length, 8);
  const data = tensor.data;
  const body = tensor.type === 'bool'
      ? Buffer.from(Uint8Array.from(data, (v) => (v ? 1 : 0)))
      : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.concat([head, Buffer.from(header, 'latin1'), body]);
}

function writeAtomic(file, bytes) {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    fs.writeFileSync(tmp, bytes);
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw new Error(`${file}: cannot write (${e.code || e.message})`);
  }
}

// --- command line --------------------------------------------------------------------------------

function parseArgs(argv) {
  const opts = { model: null, inputs: [], output: null, time: 0 };
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new UsageError(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--input') {
      const v = value();
      const eq = v.indexOf('=');
      if (eq <= 0 || eq === v.length - 1)
        throw new UsageError(`--input expects NAME=FILE.npy, got '${v}'`);
      opts.inputs.push([v.slice(0, eq), v.slice(eq + 1)]);
    } else if (a === '--output') {
      opts.output = value();
    } else if (a === '--time') {
      const v = value();
      opts.time = Number(v);
      if (!Number.isInteger(opts.time) || opts.time < 1)
        throw new UsageError(`--time expects a positive integer, got '${v}'`);
    } else if (a === '-h' || a === '--help') {
      process.stdout.write('usage: node ort_run.js MODEL.onnx --input NAME=FILE.npy ... ' +
                           '--output DIR [--time N]\n');
      process.exit(0);
    } else if (a.startsWith('-')) {
      throw new UsageError(`unknown option ${a}`);
    } else if (opts.model === null) {
      opts.model = a;
    } else {
      throw new UsageError(`unexpected argument '${a}'`);
    }
  }
  if (opts.model === null) throw new UsageError('no model given');
  if (opts.output === null && opts.time === 0)
    throw new UsageError('nothing to do: give --output DIR and/or --time N');
  return opts;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (!fs.existsSync(opts.model)) throw new UsageError(`${opts.model}: no such file`);
  const ort = require(ORT_PATH);
  let session;
  try {
    session = await ort.InferenceSession.create(opts.model);
  } catch (e) {
    throw new UsageError(`${opts.model}: ONNX Runtime cannot load it: ${e.message}`);
  }
  const feeds = {};
  for (const [name, file] of opts.inputs) {
    if (!session.inputNames.includes(name))
      throw new UsageError(`--input ${name}: the model has no input '${name}' ` +
                           `(inputs: ${session.inputNames.join(', ')})`);
    if (name in feeds) throw new UsageError(`--input ${name}: given twice`);
    const t = readNpy(file);
    feeds[name] = new ort.Tensor(t.type, t.data, t.shape);
  }
  const missing = session.inputNames.filter((n) => !(n in feeds));
  if (missing.length) throw new UsageError(`missing --input for: ${missing.join(', ')}`);

  let results;
  try {
    results = await session.run(feeds);
  } catch (e) {
    throw new UsageError(`${opts.model}: run failed: ${e.message}`);
  }
  if (opts.output !== null) {
    fs.mkdirSync(opts.output, { recursive: true });
    for (const name of session.outputNames)
      writeAtomic(path.join(opts.output, `${name}.npy`), npyBytes(results[name]));
  }
  if (opts.time > 0) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < opts.time; ++i) await session.run(feeds);
    const secs = Number(process.hrtime.bigint() - t0) / 1e9 / opts.time;
    process.stdout.write(`mean ${secs.toFixed(4)} s over ${opts.time} runs\n`);
  }
}

main().catch((e) => {
  process.stderr.write(`ort_run: error: ${e.message}\n`);
  process.exit(e instanceof UsageError ? 2 : 1);
});
