/** The RFC 4180 reader: quoting, line endings, chunk boundaries, malformed records. */
import { describe, expect, it } from 'vitest';
import { CsvReader, csvField, parseCsv } from './csv.ts';

const fields = (text: string) => parseCsv(text).map((r) => r.fields);

describe('CsvReader', () => {
  it('reads plain records with LF, CRLF and no final newline', () => {
    expect(fields('a,b\n1,2\n')).toEqual([['a', 'b'], ['1', '2']]);
    expect(fields('a,b\r\n1,2\r\n')).toEqual([['a', 'b'], ['1', '2']]);
    expect(fields('a,b\n1,2')).toEqual([['a', 'b'], ['1', '2']]);
  });

  it('keeps empty fields, including trailing ones', () => {
    expect(fields('a,,c,\n')).toEqual([['a', '', 'c', '']]);
  });

  it('reads quoted fields with commas, doubled quotes and line breaks', () => {
    const recs = parseCsv('id,note\n1,"a, ""quoted""\nnote"\n2,x\n');
    expect(recs.map((r) => r.fields)).toEqual([['id', 'note'], ['1', 'a, "quoted"\nnote'], ['2', 'x']]);
    expect(recs.map((r) => r.line)).toEqual([1, 2, 4]);
  });

  it('gives the same records whatever the chunk boundaries', () => {
    const text = '\uFEFFid,v\r\n"1","a""b"\r\n2,"x,\r\ny"\r\n3,z';
    const whole = fields(text);
    expect(whole).toEqual([['id', 'v'], ['1', 'a"b'], ['2', 'x,\r\ny'], ['3', 'z']]);
    for (let size = 1; size <= 7; size++) {
      const r = new CsvReader();
      const out = [];
      for (let i = 0; i < text.length; i += size) out.push(...r.push(text.slice(i, i + size)));
      out.push(...r.end());
      expect(out.map((x) => x.fields), `chunk size ${size}`).toEqual(whole);
    }
  });

  it('marks a quote inside an unquoted field as an error and recovers at the next line', () => {
    const recs = parseCsv('a,b\n1,x"y\n2,ok\n');
    expect(recs[1]?.error).toMatch(/quote inside an unquoted field/);
    expect(recs[2]).toEqual({ fields: ['2', 'ok'], line: 3 });
  });

  it('marks text after a closing quote as an error', () => {
    expect(parseCsv('"a"b,c\n')[0]?.error).toMatch(/after a closing quote/);
  });

  it('marks a quote that is never closed', () => {
    expect(parseCsv('a,"never closed\n1,2\n').at(-1)?.error).toMatch(/never closed/);
  });

  it('bounds a runaway record', () => {
    const r = new CsvReader(100);
    const recs = [...r.push(`"${'x'.repeat(500)}\n`), ...r.push('1,2\n'), ...r.end()];
    expect(recs[0]?.error).toMatch(/longer than 100/);
  });
});

describe('csvField', () => {
  it('quotes only when needed', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
  });

  it('round-trips through the reader', () => {
    const values = ['a', 'b,c', '"q"', 'x\r\ny', ''];
    expect(fields(`${values.map(csvField).join(',')}\n`)).toEqual([values]);
  });
});
