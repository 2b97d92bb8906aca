/**
 * CSV as Parley writes it everywhere: RFC 4180 (CRLF between records, quotes where needed),
 * safe to open in a spreadsheet. A cell that a spreadsheet would run as a formula (`=`, `+`,
 * `-`, `@`, tab, CR first) gets a leading `'`: visitors write these cells.
 */
import { stringify } from 'csv-stringify/sync'

export interface CsvRecordsOptions {
  /** Write this header record first. */
  columns?: readonly string[]
  /** Start with a UTF-8 byte order mark, which helps Excel see UTF-8. */
  bom?: boolean
}

/**
 * Records as CSV text, each ending with CRLF. A long file is written in parts: the first part
 * with the header (and BOM), the next ones without.
 *
 * @example csvRecords([[1, 'Hello, world']], { columns: ['id', 'text'] }) // 'id,text\r\n1,"Hello, world"\r\n'
 */
export function csvRecords(rows: readonly (readonly unknown[])[], options: CsvRecordsOptions = {}): string {
  return stringify(rows as unknown[][], {
    header: options.columns !== undefined,
    ...(options.columns ? { columns: [...options.columns] } : {}),
    bom: options.bom ?? false,
    record_delimiter: 'windows',
    escape_formulas: true,
    // With CRLF records csv-stringify quotes a cell holding CRLF but not a lone LF or CR, which
    // RFC 4180 readers would take for the end of the record.
    quoted_match: /[\r\n]/,
  })
}
