import { describe, expect, it } from "vitest";

import { csvField, toCsv, type CsvColumn } from "./csv";

/** A minimal RFC 4180 reader, to check that what we write reads back as it was. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let field = "";
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      record.push(field);
      field = "";
    } else if (ch === "\r" && text[i + 1] === "\n") {
      record.push(field);
      records.push(record);
      record = [];
      field = "";
      i++;
    } else field += ch;
  }
  return records;
}

describe("csvField", () => {
  it("writes plain text, numbers and booleans as they are", () => {
    expect(csvField("KSampler")).toBe("KSampler");
    expect(csvField(1234.5)).toBe("1234.5");
    expect(csvField(-3)).toBe("-3");
    expect(csvField(0)).toBe("0");
    expect(csvField(true)).toBe("true");
    expect(csvField(false)).toBe("false");
  });

  it("leaves missing values empty (never 0, never NaN)", () => {
    expect(csvField(null)).toBe("");
    expect(csvField(undefined)).toBe("");
    expect(csvField(Number.NaN)).toBe("");
    expect(csvField(Number.POSITIVE_INFINITY)).toBe("");
  });

  it("quotes a field with a comma, a quote or a line break, doubling its quotes", () => {
    expect(csvField("a,b")).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("two\nlines")).toBe('"two\nlines"');
    expect(csvField("cr\r\nlf")).toBe('"cr\r\nlf"');
  });

  it("quotes edge spaces so that readers keep them", () => {
    expect(csvField(" padded ")).toBe('" padded "');
    expect(csvField("inner space")).toBe("inner space");
  });

  it("defuses text a spreadsheet would run as a formula", () => {
    expect(csvField("=HYPERLINK(1)")).toBe("'=HYPERLINK(1)");
    expect(csvField("+1")).toBe("'+1");
    expect(csvField("-cmd")).toBe("'-cmd");
    expect(csvField("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvField("=a,b")).toBe(`"'=a,b"`);
  });

  it("writes the empty string empty", () => {
    expect(csvField("")).toBe("");
  });
});

describe("toCsv", () => {
  interface Row {
    name: string;
    duration_ms: number | null;
    cached: boolean;
  }
  const columns: CsvColumn<Row>[] = [
    { header: "name", value: (r) => r.name },
    { header: "duration_ms", value: (r) => r.duration_ms },
    { header: "cache_hit", value: (r) => r.cached },
  ];

  it("writes a header line and one CRLF-ended record per row", () => {
    const text = toCsv(columns, [
      { name: "Loader", duration_ms: 12.5, cached: false },
      { name: "Encode", duration_ms: null, cached: true },
    ]);
    expect(text).toBe("name,duration_ms,cache_hit\r\nLoader,12.5,false\r\nEncode,,true\r\n");
  });

  it("writes only the header for no rows", () => {
    expect(toCsv(columns, [])).toBe("name,duration_ms,cache_hit\r\n");
  });

  it("reads back field for field, whatever the text holds", () => {
    const names = ['a "quoted", title', "line\nbreak", " edge ", "comma,", "plain"];
    const text = toCsv(
      columns,
      names.map((name) => ({ name, duration_ms: 1, cached: false })),
    );
    const records = parseCsv(text);
    expect(records).toHaveLength(names.length + 1);
    expect(records.slice(1).map((r) => r[0])).toEqual(names);
    expect(records.every((r) => r.length === 3)).toBe(true);
  });

  it("quotes a header that needs it", () => {
    expect(toCsv([{ header: "time, ms", value: () => 1 }], [])).toBe('"time, ms"\r\n');
  });
});
