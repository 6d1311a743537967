/** Batch scoring: exact header and row counts, bad rows in their own rows, NDJSON, backpressure, progress. */
import { Readable, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseCsv } from './csv.ts';
import { MODEL_SLOTS } from './rows.ts';
import { BatchInputError, scoreStream, type BatchProgress, type ScoreStreamOptions } from './score-stream.ts';

const HEADER = 'id,sex,age,race,region,total_cholesterol,hdl_cholesterol,cholesterol_unit,systolic_bp,bp_treated,smoker,diabetes,egfr,bmi,statin';

function sink(delayEvery = 0): { stream: Writable; text: () => string } {
  let out = '';
  let n = 0;
  const stream = new Writable({
    highWaterMark: 16,
    write(chunk, _enc, cb) {
      out += String(chunk);
      // A slow consumer: forces the scorer to wait for 'drain'.
      if (delayEvery && ++n % delayEvery === 0) setTimeout(cb, 1);
      else cb();
    },
  });
  return { stream, text: () => out };
}

async function run(input: string | string[], options: Partial<ScoreStreamOptions> = {}) {
  const out = sink();
  const progress = await scoreStream(Readable.from(Array.isArray(input) ? input : [input]), out.stream, {
    models: ['pce'],
    format: 'csv',
    ...options,
  });
  return { progress, text: out.text(), records: parseCsv(out.text()).map((r) => r.fields) };
}

describe('scoreStream (CSV)', () => {
  it('writes the exact header and one row per input row and outcome', async () => {
    const csv = `${HEADER}\np1,male,55,white,,213,50,mg/dL,120,false,false,false,,,\np2,female,60,black,,5.5,1.4,mmol/L,135,true,false,true,,,\n`;
    const { records, text } = await run(csv);
    expect(text.split('\n')[0]).toBe('id,model,outcome,horizon_years,risk_percent,category,warnings,error');
    expect(records).toHaveLength(3);
    expect(records[1]?.slice(0, 4)).toEqual(['p1', 'pce', 'ascvd', '10']);
    expect(Number(records[1]?.[4])).toBeCloseTo(5.3786, 4); // Goff worked example, precise set
    expect(records[1]?.[5]).toBe('borderline');
    expect(records[1]?.[7]).toBe('');
  });

  it('a bad row gets its error in its own row and the run goes on', async () => {
    const csv = [
      HEADER,
      'ok1,male,55,white,,213,50,mg/dL,120,false,false,false,,,',
      'bad-unit,male,55,white,,5.2,1.3,mg/dL,120,false,false,false,,,',
      'bad-bool,male,55,white,,213,50,mg/dL,120,maybe,false,false,,,',
      'short,male,55',
      'bad-quote,male,5"5,white,,213,50,mg/dL,120,false,false,false,,,',
      'no-unit,male,55,white,,213,50,,120,false,false,false,,,',
      'old,male,85,white,,213,50,mg/dL,120,false,false,false,,,',
      'ok2,female,62,other,,200,55,mg/dL,130,true,true,false,,,',
    ].join('\n');
    const { records, progress } = await run(csv);
    const byId = Object.fromEntries(records.slice(1).map((r) => [r[0], r]));
    expect(records).toHaveLength(1 + 8);
    expect(byId['ok1']?.[7]).toBe('');
    expect(byId['bad-unit']?.[7]).toMatch(/^totalCholesterol 5\.2 mg\/dL is not plausible/);
    expect(byId['bad-bool']?.[7]).toMatch(/^bp_treated: 'maybe' is not true, false, 1 or 0/);
    expect(byId['short']?.[7]).toMatch(/3 fields, the header has 15/);
    expect(byId['bad-quote']?.[7]).toMatch(/quote inside an unquoted field/);
    expect(byId['no-unit']?.[7]).toMatch(/^cholesterol_unit: required/);
    expect(byId['old']?.[7]).toMatch(/^age 85 years is outside the PCE validated range 40-79 years/);
    expect(byId['ok2']?.[4]).not.toBe('');
    expect(byId['ok2']?.[6]).toMatch(/White equations/);
    expect(progress).toMatchObject({ rows: 8, outputRows: 8, errorRows: 6, done: true });
  });

  it('with every model, each input row gives the same fixed number of output rows', async () => {
    const perRow = Object.values(MODEL_SLOTS).reduce((s, slots) => s + slots.length, 0);
    expect(perRow).toBe(16);
    const csv = `${HEADER}\np1,male,55,white,low,213,50,mg/dL,120,false,false,false,90,27,false\nx,robot,55\np3,female,75,,high,5,1.5,mmol/L,150,true,false,false,60,30,true\n`;
    const { records } = await run(csv, { models: 'all' });
    expect(records).toHaveLength(1 + 3 * perRow);
    for (const id of ['p1', 'x', 'p3']) expect(records.filter((r) => r[0] === id)).toHaveLength(perRow);
    const p3 = records.filter((r) => r[0] === 'p3');
    expect(p3.find((r) => r[1] === 'score2-op')?.[4]).not.toBe('');
    expect(p3.find((r) => r[1] === 'score2')?.[7]).toMatch(/use SCORE2-OP/);
  });

  it('accepts country instead of region for SCORE2, and refuses an unknown one by name', async () => {
    const csv = `${HEADER},country\na,male,50,,,6.3,1.4,mmol/L,140,false,true,false,,,,ES\nb,male,50,,,6.3,1.4,mmol/L,140,false,true,false,,,,ZZ\n`;
    const { records } = await run(csv, { models: ['score2'] });
    expect(Number(records[1]?.[4])).toBeCloseTo(6.3143, 3); // SCORE2 worked example, low region
    expect(records[2]?.[7]).toMatch(/^country: 'ZZ'/);
  });

  it('rejects a run whose header lacks id, sex or age before writing anything', async () => {
    const out = sink();
    await expect(scoreStream(Readable.from(['name,age\nx,50\n']), out.stream, { models: ['pce'], format: 'csv' })).rejects.toThrow(BatchInputError);
    expect(out.text()).toBe('');
    await expect(scoreStream(Readable.from(['']), sink().stream, { models: ['pce'], format: 'csv' })).rejects.toThrow(/empty/);
    await expect(scoreStream(Readable.from(['']), sink().stream, { models: ['nope' as 'pce'], format: 'csv' })).rejects.toThrow(/models/);
  });

  it('keeps every row under backpressure from a slow writer, and reports progress', async () => {
    const rows = 3000;
    const lines = [HEADER];
    for (let i = 0; i < rows; i++) lines.push(`r${i},${i % 2 ? 'male' : 'female'},${40 + (i % 35)},white,,${150 + (i % 100)},${40 + (i % 30)},mg/dL,${100 + (i % 80)},${i % 3 === 0},${i % 4 === 0},${i % 5 === 0},,,`);
    const text = `${lines.join('\n')}\n`;
    // Feed in small chunks that cut records anywhere.
    const chunks: Buffer[] = [];
    for (let i = 0; i < text.length; i += 997) chunks.push(Buffer.from(text.slice(i, i + 997)));
    const out = sink(3);
    const seen: BatchProgress[] = [];
    const p = await scoreStream(Readable.from(chunks), out.stream, { models: ['pce', 'framingham'], format: 'csv', onProgress: (x) => seen.push(x), progressEvery: 1000 });
    const records = parseCsv(out.text());
    expect(records).toHaveLength(1 + rows * 2);
    expect(records.every((r) => !r.error && r.fields.length === 8)).toBe(true);
    expect(p).toMatchObject({ rows, outputRows: rows * 2, errorRows: 0, done: true });
    expect(seen.map((s) => s.rows)).toEqual([1000, 2000, 3000, 3000]);
    expect(seen.at(-1)?.done).toBe(true);
    expect(seen.at(-1)?.bytesRead).toBe(Buffer.byteLength(text));
  });
});

describe('scoreStream (NDJSON)', () => {
  it('reads objects per line and writes NDJSON, with bad lines in their own rows', async () => {
    const input = [
      JSON.stringify({ id: 'n1', sex: 'male', age: 55, race: 'white', total_cholesterol: 213, hdl_cholesterol: 50, cholesterol_unit: 'mg/dL', systolic_bp: 120, bp_treated: false, smoker: false, diabetes: false }),
      '{not json',
      '[1,2]',
      '',
      JSON.stringify({ id: 'n4', sex: 'female', age: 30, race: 'white', total_cholesterol: 213, hdl_cholesterol: 50, cholesterol_unit: 'mg/dL', systolic_bp: 120, bp_treated: 0, smoker: 0, diabetes: 0 }),
    ].join('\n');
    const { text, progress } = await run(input, { format: 'ndjson' });
    const out = text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(out).toHaveLength(4);
    expect(out[0]).toMatchObject({ id: 'n1', model: 'pce', outcome: 'ascvd', horizon_years: 10, category: 'borderline', error: null });
    expect(out[0]?.risk_percent).toBeCloseTo(5.3786, 4);
    expect(out[1]?.error).toMatch(/line 2: not valid JSON/);
    expect(out[2]?.error).toMatch(/line 3: not a JSON object/);
    expect(out[3]).toMatchObject({ id: 'n4', risk_percent: null });
    expect(out[3]?.error).toMatch(/^age 30 years/);
    expect(progress.rows).toBe(4);
  });

  it('can write CSV from NDJSON input', async () => {
    const { records } = await run(`${JSON.stringify({ id: 'a', sex: 'male', age: 55 })}\n`, { format: 'ndjson', outputFormat: 'csv' });
    expect(records[0]?.[0]).toBe('id');
    expect(records[1]?.[7]).toMatch(/^totalCholesterol is required/);
  });
});
