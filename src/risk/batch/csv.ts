/**
 * A small streaming RFC 4180 CSV reader and field writer (csv-parse is not installed).
 *
 * Accepts: fields separated by commas, records ended by CRLF or LF (a final record needs no
 * newline), fields enclosed in double quotes holding commas, quotes ("" for one) and line
 * breaks. A UTF-8 byte-order mark at the very start is dropped. A quote inside an unquoted
 * field, text after a closing quote, a quote never closed, or a record longer than
 * `maxRecordChars` makes that record an error record; parsing resumes at the next line.
 */

export interface CsvRecord {
  readonly fields: string[];
  /** 1-based line number where the record starts. */
  readonly line: number;
  /** Set when the record is malformed; fields then hold what could be read. */
  readonly error?: string;
}

const QUOTE = 34;
const COMMA = 44;
const LF = 10;
const CR = 13;

export class CsvReader {
  private fields: string[] = [];
  private field = '';
  private inQuotes = false;
  /** Just saw a quote inside a quoted field: either an escaped quote or the closing one. */
  private quoteSeen = false;
  /** The field was quoted and closed; only a comma or record end may follow. */
  private closed = false;
  private error: string | undefined;
  private skipToEol = false;
  private line = 1;
  private recordLine = 1;
  private recordChars = 0;
  private started = false;
  private pendingCr = false;

  constructor(private readonly maxRecordChars = 1_000_000) {}

  /** Feeds text; returns the records completed by it. */
  push(text: string): CsvRecord[] {
    const out: CsvRecord[] = [];
    let i = 0;
    if (!this.started) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) i = 1;
    }
    const n = text.length;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (this.pendingCr) {
        this.pendingCr = false;
        if (c === LF) continue; // CRLF already ended the record at CR
      }
      if (this.skipToEol) {
        if (c === LF || c === CR) {
          this.skipToEol = false;
          if (c === CR) this.pendingCr = true;
          this.line++;
          out.push(this.finish());
        }
        continue;
      }
      if (++this.recordChars > this.maxRecordChars) {
        this.fail(`record longer than ${this.maxRecordChars} characters (an unclosed quote?)`);
        continue;
      }
      if (this.inQuotes) {
        if (this.quoteSeen) {
          this.quoteSeen = false;
          if (c === QUOTE) {
            this.field += '"';
            continue;
          }
          this.inQuotes = false;
          this.closed = true;
          // fall through: c is handled as a character after the closing quote
        } else if (c === QUOTE) {
          this.quoteSeen = true;
          continue;
        } else {
          if (c === LF) this.line++;
          this.field += text[i];
          continue;
        }
      }
      if (c === COMMA) {
        this.fields.push(this.field);
        this.field = '';
        this.closed = false;
      } else if (c === LF || c === CR) {
        if (c === CR) this.pendingCr = true;
        this.line++;
        out.push(this.finish());
      } else if (this.closed) {
        this.fail(`unexpected character after a closing quote in field ${this.fields.length + 1}`);
      } else if (c === QUOTE) {
        if (this.field.length === 0) this.inQuotes = true;
        else this.fail(`a quote inside an unquoted field (field ${this.fields.length + 1})`);
      } else {
        // Copy a run of plain characters at once: far faster than one at a time.
        let j = i + 1;
        while (j < n) {
          const d = text.charCodeAt(j);
          if (d === COMMA || d === LF || d === CR || d === QUOTE) break;
          j++;
        }
        this.field += text.slice(i, j);
        this.recordChars += j - i - 1;
        i = j - 1;
      }
    }
    return out;
  }

  /** Ends the input; returns the last record if one is open. */
  end(): CsvRecord[] {
    if (this.skipToEol) {
      this.skipToEol = false;
      return [this.finish()];
    }
    if (this.inQuotes && !this.quoteSeen) {
      this.error ??= 'a quoted field is never closed';
      return [this.finish()];
    }
    if (this.inQuotes && this.quoteSeen) {
      this.inQuotes = false;
      this.quoteSeen = false;
    }
    if (this.fields.length === 0 && this.field === '' && !this.closed && this.error === undefined) return [];
    return [this.finish()];
  }

  private fail(message: string): void {
    this.error ??= message;
    this.skipToEol = true;
    this.inQuotes = false;
    this.quoteSeen = false;
  }

  private finish(): CsvRecord {
    this.fields.push(this.field);
    const rec: CsvRecord = this.error ? { fields: this.fields, line: this.recordLine, error: this.error } : { fields: this.fields, line: this.recordLine };
    this.fields = [];
    this.field = '';
    this.closed = false;
    this.error = undefined;
    this.recordChars = 0;
    this.recordLine = this.line;
    return rec;
  }
}

/** Parses a whole CSV text (tests and small files). */
export function parseCsv(text: string): CsvRecord[] {
  const r = new CsvReader();
  return [...r.push(text), ...r.end()];
}

/** One field, quoted only when it must be (comma, quote, CR or LF). */
export function csvField(value: string): string {
  if (!/[",\r\n]/.test(value)) return value;
  return `"${value.replace(/"/g, '""')}"`;
}
