"""The dataset the Attentive Recommendation Playground trained on, rebuilt from the original files.

The page wrote `mapping.json`: how it read each file, how it turned the files into tables of
interactions, users and items, the column mapping you applied, and the cleaning steps you chose.
This module follows the same steps, in the same order, with the page's own rules, and returns the
same integers the page trained on (the playground's tests check every id, code and time):

  1. read_file        each file streamed row by row: its encoding (UTF-8, windows-1252/Latin-1, UTF-16,
                      byte-order marks), its delimiter (`,` tab `;` `|`, or MovieLens's `::`), its
                      header or given column names, with or without quotes; cells trimmed; blank and
                      ragged rows skipped (the page's src/data/parse.ts).
  2. build_tables     the known-format steps the page applied between reading and mapping: renamed
                      columns, one-hot genre flags folded into one field, a year read from a title or a
                      date, product ids read from page URIs, columns lifted from the interactions to
                      the users or items (src/data/formats.ts, infer.ts, mapping.join.ts).
  3. clean_dataset    float-looking ids, rows with missing or unknown ids, duplicates, clipping to
                      quantiles, k-core (src/data/clean.ts).
  4. encode_dataset   users and items numbered in order of first appearance, categorical vocabularies
                      by frequency (ties by label), numbers in quantile buckets, multi-valued fields,
                      timestamps as epoch seconds (src/data/encode.ts).

Because the vocabularies and buckets are computed again from the files, a file that has grown gives
the vocabularies the page would give it now. Only Python's standard library and torch are needed.

    from data import load_dataset
    data = load_dataset("mapping.json", "path/to/the/files")
    data.user_codes        # torch.int64 [users, user fields]; column 0 is the user id's code

Command line (used by the playground's tests):
    python3 data.py mapping.json [FILES_DIR] --dump out.json
writes the dataset as JSON (codes as flat lists, row-major).
"""

import argparse
import codecs
import csv
import gzip
import io
import json
import math
import re
import sys
import zipfile
from array import array
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from pathlib import Path

import torch

FORMAT = "attentive-mapping"
FORMAT_VERSION = 1
# The page refuses a file when more than this share of its rows have the wrong number of fields.
MAX_RAGGED_SHARE = 0.1
# Excel's first line naming the delimiter: `sep=;` (parse.ts EXCEL_SEPARATOR_LINE).
EXCEL_SEPARATOR_LINE = re.compile(r"sep=[^\r\n]\r?\n", re.IGNORECASE)
# Bytes read at a time.
CHUNK_BYTES = 1 << 20


class DataError(ValueError):
    """A file, transform or value that cannot be read, naming the file, row and column."""

    def __init__(self, reason, file=None, row=None, column=None):
        where = ", ".join(
            part
            for part in (
                file and f"file {file}",
                row is not None and f"row {row}",
                column and f'column "{column}"',
            )
            if part
        )
        super().__init__(f"{reason} ({where})" if where else reason)
        self.file, self.row, self.column = file, row, column


def not_supported(why, file=None, row=None, column=None):
    return DataError(f"not supported by data.py yet: {why}", file, row, column)


# ---------------------------------------------------------------------------------------------------
# Reading a cell the way JavaScript does. The page is written in TypeScript; where its rule rests on
# a JavaScript built-in (String.prototype.trim, Number(text), String(number), toPrecision, the `<` of
# strings), the same rule is written out here.

# String.prototype.trim's white space: WhiteSpace and LineTerminator of ECMAScript.
JS_WHITE_SPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000\ufeff"
)
JS_SPACE_CLASS = "[" + re.escape(JS_WHITE_SPACE) + "]"
DECIMAL_LITERAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
RADIX_LITERAL = {"0x": 16, "0o": 8, "0b": 2}


def js_trim(text):
    """`text.trim()` in JavaScript (Python's strip() knows other white space)."""
    return text.strip(JS_WHITE_SPACE)


def js_number(text):
    """`Number(text)` in JavaScript: `''` is 0, hex/octal/binary literals count, `1_000` does not."""
    s = js_trim(text)
    if s == "":
        return 0.0
    if DECIMAL_LITERAL.fullmatch(s):
        return float(s)
    if s in ("Infinity", "+Infinity"):
        return math.inf
    if s == "-Infinity":
        return -math.inf
    radix = RADIX_LITERAL.get(s[:2].lower())
    if radix and len(s) > 2:
        try:
            return float(int(s[2:], radix))
        except ValueError:
            return math.nan
    return math.nan


def js_string(x):
    """`String(x)` of a JavaScript number: shortest digits, exponent only below 1e-6 or from 1e21."""
    if x != x:
        return "NaN"
    if x == 0:
        return "0"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x < 0:
        return "-" + js_string(-x)
    mantissa, _, exponent = repr(x).partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = whole + fraction
    stripped = digits.lstrip("0")
    n = len(whole) + int(exponent or 0) - (len(digits) - len(stripped))
    digits = stripped.rstrip("0")
    k = len(digits)
    if k <= n <= 21:
        return digits + "0" * (n - k)
    if 0 < n <= 21:
        return digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return "0." + "0" * -n + digits
    e = n - 1
    sign = "+" if e >= 0 else "-"
    return (digits[0] + ("." + digits[1:] if k > 1 else "")) + "e" + sign + str(abs(e))


def js_to_precision(x, precision):
    """`x.toPrecision(precision)` in JavaScript (ties round up, as the specification says)."""
    if x == 0:
        return "0" + ("." + "0" * (precision - 1) if precision > 1 else "")
    sign = "-" if x < 0 else ""
    with localcontext() as context:
        context.prec = 2000
        d = Decimal(abs(x))
        e = d.adjusted()
        n = d.scaleb(precision - 1 - e).to_integral_value(rounding=ROUND_HALF_UP)
        if n >= 10**precision:
            e += 1
            n = d.scaleb(precision - 1 - e).to_integral_value(rounding=ROUND_HALF_UP)
    m = str(int(n))
    if e < -6 or e >= precision:
        digits = m[0] + ("." + m[1:] if precision > 1 else "")
        return sign + digits + "e" + ("+" if e >= 0 else "-") + str(abs(e))
    if e == precision - 1:
        return sign + m
    if e >= 0:
        return sign + m[: e + 1] + "." + m[e + 1 :]
    return sign + "0." + "0" * (-(e + 1)) + m


def js_order(text):
    """Sort key giving JavaScript's `a < b` for strings: UTF-16 code units, not code points."""
    return text.encode("utf-16-be", "surrogatepass")


def js_round(x):
    """`Math.round(x)`: halves go up (Python's round() goes to even)."""
    return math.floor(x + 0.5)


# Cell texts (trimmed, lower case) that mean "no value" (encode.values.ts MISSING_TOKENS).
MISSING_TOKENS = {"", "na", "n/a", "nan", "null", "none", "?"}


def is_missing(text):
    """encode.values.ts `isMissing`: empty or a missing token, whatever its case and spaces."""
    return js_trim(text).lower() in MISSING_TOKENS


def parse_number(text):
    """encode.values.ts `parseNumber`: NaN when missing or not a finite number."""
    if is_missing(text):
        return math.nan
    x = js_number(text)
    return x if math.isfinite(x) else math.nan


# ISO-style date-times (datetime.ts PATTERN), with [0-9] for JavaScript's \d.
DATE_PATTERN = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})(?:([T ])([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]{1,6}))?)?)?"
    r"(Z| ?UTC|[+-][0-9]{2}:?[0-9]{2})?"
)
ZONE_OFFSET = re.compile(r"([+-])([0-9]{2}):?([0-9]{2})")
DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
EPOCH_DAY = date(1970, 1, 1).toordinal()


def offset_minutes(zone):
    m = ZONE_OFFSET.fullmatch(zone)
    if not m:
        return 0
    return (-1 if m.group(1) == "-" else 1) * (int(m.group(2)) * 60 + int(m.group(3)))


def utc_ms(year, month, day, hour=0, minute=0, second=0, ms=0):
    """`Date.UTC(year, month - 1, day, ...)` for in-range fields."""
    days = date(year, month, day).toordinal() - EPOCH_DAY
    return float(days * 86_400_000 + ((hour * 60 + minute) * 60 + second) * 1000 + ms)


def format_date(ms, separator, seconds, fraction, zone):
    """datetime.ts `formatDate`: the text of epoch milliseconds in a format."""
    local = ms + offset_minutes(zone) * 60_000
    micros = js_round(local * 1000) if fraction > 3 else 0
    whole = math.floor(micros / 1000) if fraction > 3 else js_round(local)
    days, rest = divmod(int(whole), 86_400_000)
    d = date.fromordinal(EPOCH_DAY + days)
    text = f"{d.year:04d}-{d.month:02d}-{d.day:02d}"
    if separator is None:
        return text + zone
    hour, rest = divmod(rest, 3_600_000)
    minute, rest = divmod(rest, 60_000)
    second, millis = divmod(rest, 1000)
    text += f"{separator}{hour:02d}:{minute:02d}"
    if seconds:
        text += f":{second:02d}"
        if fraction > 0:
            digits = f"{millis:03d}" + (f"{int(micros - whole * 1000):03d}" if fraction > 3 else "")
            text += "." + digits[:fraction]
    return text + zone


def parse_date(text):
    """datetime.ts `parseDate`: epoch milliseconds of an ISO-style date-time, or None."""
    m = DATE_PATTERN.fullmatch(text)
    if not m:
        return None
    ys, mos, ds, separator, hs, mis, ss, frac, zone = m.groups()
    zone = zone or ""
    year, month, day = int(ys), int(mos), int(ds)
    hour, minute, second = int(hs or 0), int(mis or 0), int(ss or 0)
    if year < 1000 or month < 1 or month > 12:
        return None
    leap = (year % 4 == 0 and year % 100 != 0) or year % 400 == 0
    month_days = 29 if month == 2 and leap else DAYS_IN_MONTH[month - 1]
    if day < 1 or day > month_days or hour > 23 or minute > 59 or second > 59:
        return None
    micros = int(frac.ljust(6, "0")) if frac else 0
    ms = utc_ms(year, month, day, hour, minute, second, micros // 1000) + (micros % 1000) / 1000
    ms = ms - offset_minutes(zone) * 60_000
    fraction = len(frac) if frac else 0
    if fraction > 3:
        # Microseconds must come back exactly when written again (a double holds them until 2109).
        if abs(ms) >= 2**42 or format_date(ms, separator, ss is not None, fraction, zone) != text:
            return None
    return ms


def epoch_seconds(x):
    """table.ts `epochSeconds`: numbers above 1e11 are milliseconds."""
    return x / 1000 if x > 1e11 else x


def parse_timestamp(text):
    """encode.values.ts `parseTimestamp`: epoch seconds of a cell; NaN when empty."""
    trimmed = js_trim(text)
    if trimmed == "":
        return math.nan
    x = js_number(trimmed)
    if math.isfinite(x):
        return epoch_seconds(x)
    ms = parse_date(trimmed)
    if ms is not None:
        return ms / 1000
    # The page then asks the browser's Date.parse, whose rules for other texts are its own.
    raise not_supported(f'the timestamp "{trimmed}" is neither a number nor an ISO date-time')


# ---------------------------------------------------------------------------------------------------
# Columns and tables, dictionary-coded as the page holds them: one int per cell, each distinct text once.


class Column:
    """One column: `dictionary[codes[r]]` is the (trimmed) text of row r."""

    def __init__(self, codes=None, dictionary=None):
        self.codes = codes if codes is not None else array("i")
        self.dictionary = dictionary if dictionary is not None else []
        self.index = {v: c for c, v in enumerate(self.dictionary)}

    def code_of(self, text):
        code = self.index.get(text)
        if code is None:
            code = self.index[text] = len(self.dictionary)
            self.dictionary.append(text)
        return code

    def append(self, text):
        self.codes.append(self.code_of(text))

    def text(self, row):
        return self.dictionary[self.codes[row]]

    def texts(self):
        d = self.dictionary
        return [d[c] for c in self.codes]

    def counts(self, keep=None):
        """Rows per dictionary code (of the rows flagged in `keep`, or all)."""
        out = [0] * len(self.dictionary)
        if keep is None:
            for c in self.codes:
                out[c] += 1
        else:
            for c, k in zip(self.codes, keep):
                if k:
                    out[c] += 1
        return out

    def mapped(self, f):
        """table.ts `mapDictionary`: each distinct text rewritten by f (equal results merge)."""
        out = Column()
        remap = [out.code_of(f(v)) for v in self.dictionary]
        out.codes = array("i", (remap[c] for c in self.codes))
        return out

    def take(self, rows):
        return Column(array("i", (self.codes[r] for r in rows)), list(self.dictionary))


def column_of(texts):
    column = Column()
    for t in texts:
        column.append(t)
    return column


@dataclass
class Table:
    name: str
    columns: list
    data: dict
    rows: int
    # The 1-based data row of the file each row came from (for messages).
    file_rows: array

    def column(self, name):
        if name not in self.data:
            known = ", ".join(self.columns)
            raise DataError(f'the table has no column "{name}" (it has: {known})', self.name)
        return self.data[name]

    def with_column(self, name, column):
        columns = self.columns if name in self.columns else self.columns + [name]
        return Table(self.name, columns, {**self.data, name: column}, self.rows, self.file_rows)

    def filtered(self, keep):
        rows = [r for r in range(self.rows) if keep[r]]
        data = {c: col.take(rows) for c, col in self.data.items()}
        file_rows = array("i", (self.file_rows[r] for r in rows))
        return Table(self.name, list(self.columns), data, len(rows), file_rows)


# ---------------------------------------------------------------------------------------------------
# Step 1: reading a file (parse.ts, decode.ts, ingest.ts).


def windows_1252_error(error):
    """WHATWG's windows-1252 maps the five bytes cp1252 leaves undefined to the same code points."""
    bad = error.object[error.start : error.end]
    return "".join(chr(b) for b in bad), error.end


codecs.register_error("attentive-windows-1252", windows_1252_error)

PYTHON_ENCODINGS = {
    "utf-8": ("utf-8", "replace"),
    "windows-1252": ("cp1252", "attentive-windows-1252"),
    "utf-16le": ("utf-16-le", "replace"),
    "utf-16be": ("utf-16-be", "replace"),
}
# Zip members that are never data (ingest.ts NON_DATA_ENTRY, ML100K_AUXILIARY).
NON_DATA_ENTRY = re.compile(
    r"(^|/)(__MACOSX/|\.)|/$|(^|/)README[^/]*$|\.(pl|sh|md|pdf|html?|txt|py|r|ipynb|json)$", re.IGNORECASE
)
ML100K_AUXILIARY = re.compile(
    r"(^|/)(u[1-5]\.(base|test)|u[ab]\.(base|test)|u\.info|u\.genre|u\.occupation)$"
)


def open_original(files_dir, name):
    """The bytes of the file the page read as `name`: the file itself (gzip or not), `name.gz`, or a
    member of a .zip in the folder (the page reads MovieLens's zip as it is)."""
    folder = Path(files_dir)
    for path in (folder / name, folder / (name + ".gz")):
        if path.is_file():
            with open(path, "rb") as f:
                gzipped = f.read(2) == b"\x1f\x8b"
            return gzip.open(path) if gzipped else open(path, "rb")
    for archive in sorted(folder.glob("*.zip")):
        z = zipfile.ZipFile(archive)
        for entry in z.namelist():
            data_entry = not NON_DATA_ENTRY.search(entry) and not ML100K_AUXILIARY.search(entry)
            if entry.rsplit("/", 1)[-1] == name and data_entry:
                return z.open(entry)
        z.close()
    raise DataError(f"{name} was not found in {files_dir} (nor {name}.gz, nor in a .zip there)", name)


def text_of(stream, encoding, newline):
    """The bytes as text, decoded as the page decodes them, streamed; a leading byte-order mark dropped.
    Lines end only where the page's parser ends them: at \n (a \r before it is dropped later), or at \r
    for old Mac files."""
    if encoding not in PYTHON_ENCODINGS:
        raise not_supported(f"the encoding {encoding}")
    python_encoding, errors = PYTHON_ENCODINGS[encoding]
    ends = "\r" if newline == "\r" else "\n"
    text = io.TextIOWrapper(stream, encoding=python_encoding, errors=errors, newline=ends)
    first = text.read(1)
    # TextDecoder drops a BOM for UTF-8 and UTF-16 only (a windows-1252 file shows it as text).
    if first == "\ufeff" and encoding != "windows-1252":
        first = ""
    return first, text


def raw_rows(spec, files_dir):
    """Each row of the file as a list of untrimmed fields, with the page's split rules."""
    name = spec["name"]
    delimiter, newline, quoting = spec["delimiter"], spec["newline"], spec["quoting"]
    if delimiter is None:
        raise not_supported("a file read as a single column", name)
    first, text = text_of(open_original(files_dir, name), spec["encoding"], newline)

    def lines():
        ends_line = first == "\n" or (first == "\r" and newline == "\r")
        head = first if ends_line else first + text.readline()
        # Excel's `sep=;` first line names the delimiter and is not a row.
        if EXCEL_SEPARATOR_LINE.fullmatch(head):
            head = text.readline()
        yield head
        yield from text

    if quoting and delimiter != "::":
        if len(delimiter) != 1:
            raise not_supported(f'the quoted delimiter "{delimiter}" of more than one character', name)
        csv.field_size_limit(1 << 30)
        yield from csv.reader(lines(), delimiter=delimiter, quotechar='"', doublequote=True, strict=False)
        return
    for line in lines():
        if line.endswith("\n"):
            line = line[:-1]
        elif line.endswith("\r") and newline == "\r":
            line = line[:-1]
        if newline == "\r\n" and line.endswith("\r"):
            line = line[:-1]
        yield line.split(delimiter)


def read_file(spec, files_dir):
    """parse.ts `StreamingTableParser`: the file as a table of trimmed cells; blank and ragged rows
    skipped (a row with only extra empty fields is kept)."""
    name, columns = spec["name"], spec["columns"]
    width = len(columns)
    data = [Column() for _ in columns]
    file_rows = array("i")
    header_pending = spec["header"]
    row_number = kept = ragged = 0
    for raw in raw_rows(spec, files_dir):
        if len(raw) == 0 or (len(raw) == 1 and js_trim(raw[0]) == ""):
            continue
        if header_pending:
            header_pending = False
            names = [js_trim(c) for c in raw]
            while len(names) > 1 and names[-1] == "":
                names.pop()
            if len(names) != width:
                raise DataError(f"the header has {len(names)} columns, mapping.json names {width}", name, 0)
            continue
        row_number += 1
        if len(raw) != width and not (len(raw) > width and all(js_trim(c) == "" for c in raw[width:])):
            ragged += 1
            continue
        for j in range(width):
            data[j].append(js_trim(raw[j]))
        file_rows.append(row_number)
        kept += 1
    if ragged > MAX_RAGGED_SHARE * (kept + ragged):
        reason = f"{ragged} of {kept + ragged} rows do not have {width} fields; the page refuses such a file"
        raise DataError(reason, name)
    if kept == 0:
        raise DataError("the file has no data rows", name)
    return Table(name, list(columns), dict(zip(columns, data)), kept, file_rows)


# ---------------------------------------------------------------------------------------------------
# Step 2: the tables of the mapping (formats.ts, infer.ts, mapping.join.ts).

# One-hot "set" cells (table.ts `isOne`).
ONE_VALUES = {"1", "1.0", "true", "yes"}
YEAR_AT_END = re.compile(r"([0-9]{4})" + JS_SPACE_CLASS + r"*\Z")
YEAR_IN_PARENTHESES = re.compile(r"\(([0-9]{4})\)" + JS_SPACE_CLASS + r"*\Z")
PRODUCT_URI = re.compile(r"/product/([^/?#]+)/?\Z")
FLOAT_INTEGER = re.compile(r"(-?[0-9]+)\.0+")


def year_of(pattern):
    def rule(text):
        m = pattern.search(text)
        return m.group(1) if m else ""

    return rule


DERIVE_RULES = {
    # MovieLens 100K's release date `01-Jan-1995` (formats.ts YEAR_AT_END).
    "year-at-end": year_of(YEAR_AT_END),
    # MovieLens titles `Toy Story (1995)` (formats.ts YEAR_IN_TITLE).
    "year-in-parentheses": year_of(YEAR_IN_PARENTHESES),
    # TheLook's page views `/product/123` (formats.ts PRODUCT_URI).
    "product-from-uri": lambda uri: (m.group(1) if (m := PRODUCT_URI.fullmatch(js_trim(uri))) else ""),
    # MovieLens latest writes "(no genres listed)" for none.
    "no-genres-listed-is-empty": lambda v: "" if v == "(no genres listed)" else v,
}


def fold_one_hot(table, columns, labels, separator):
    """table.ts `foldOneHot`: the labels whose flag is set, joined by the separator."""
    flags = []
    for c in columns:
        col = table.column(c)
        on = [js_trim(v).lower() in ONE_VALUES for v in col.dictionary]
        flags.append((col.codes, on))
    out = Column()
    for r in range(table.rows):
        out.append(separator.join(label for (codes, on), label in zip(flags, labels) if on[codes[r]]))
    return out


def first_rows_per_entity(interactions, id_column):
    """mapping.join.ts `liftColumns`: the first row of each id (as written), in order of first appearance."""
    ids = interactions.column(id_column)
    first = {}
    for r, c in enumerate(ids.codes):
        if c not in first:
            first[c] = r
    return ids, first


def id_key(text):
    """mapping.join.ts `idKey`: `21148.0` and `21148` are the same id when joining."""
    m = FLOAT_INTEGER.fullmatch(text)
    return m.group(1) if m else text


def join_per_entity(table, interactions, id_column, columns, match):
    """Adds interaction columns to an entity table: the value of the entity's first interaction row."""
    ids, first = first_rows_per_entity(interactions, id_column)
    # The lifted rows, in order of first appearance; with `integer` ids, a later written form of the
    # same id replaces an earlier one (mapping.join.ts `joinColumns`).
    row_of = {}
    for code, r in sorted(first.items(), key=lambda kv: kv[1]):
        key = ids.dictionary[code]
        if match == "integer":
            row_of[id_key(key)] = r
        elif key not in row_of:
            row_of[key] = r
    own = table.column(id_column)
    for c in columns:
        source = interactions.column(c)
        out = Column()
        for r in range(table.rows):
            key = own.text(r)
            lifted = row_of.get(id_key(key) if match == "integer" else key)
            out.append("" if lifted is None else source.text(lifted))
        table = table.with_column(c, out)
    return table


def apply_step(table, step, tables):
    op = step["op"]
    if op == "rename":
        names = step["columns"]
        for old in names:
            table.column(old)
        columns = [names.get(c, c) for c in table.columns]
        data = {names.get(c, c): col for c, col in table.data.items()}
        return Table(table.name, columns, data, table.rows, table.file_rows)
    if op == "fold-one-hot":
        folded = fold_one_hot(table, step["columns"], step["labels"], step["separator"])
        return table.with_column(step["into"], folded)
    if op == "derive":
        rule = DERIVE_RULES.get(step["rule"])
        if rule is None:
            raise not_supported(f'the transform "{step["rule"]}"', table.name, column=step["from"])
        return table.with_column(step["into"], table.column(step["from"]).mapped(rule))
    if op == "keep-rows-with":
        cols = [table.column(c) for c in step["columns"]]
        keep = [all(js_trim(col.text(r)) != "" for col in cols) for r in range(table.rows)]
        return table.filtered(keep)
    if op == "join-per-entity":
        return join_per_entity(table, tables["interactions"], step["id"], step["columns"], step["match"])
    raise not_supported(f'the table step "{op}"', table.name)


def build_tables(mapping_file, files_dir):
    """The interactions, users and items tables as the page mapped them (before cleaning)."""
    specs = {f["name"]: f for f in mapping_file["files"]}
    read = {}
    tables = {}
    for role in ("interactions", "users", "items"):
        recipe = mapping_file["tables"].get(role)
        if recipe is None:
            continue
        source = recipe["from"]
        if "file" in source:
            name = source["file"]
            if name not in read:
                read[name] = read_file(specs[name], files_dir)
            table = read[name]
        else:
            # A table of one row per entity, made of interaction columns (mapping.join.ts `liftColumns`).
            interactions = tables["interactions"]
            ids, first = first_rows_per_entity(interactions, source["id"])
            rows = sorted(first.values())
            data = {c: interactions.column(c).take(rows) for c in [source["id"]] + source["columns"]}
            table = Table(
                f'{interactions.name} (per {source["id"]})',
                [source["id"]] + source["columns"],
                data,
                len(rows),
                array("i", (interactions.file_rows[r] for r in rows)),
            )
        for step in recipe["steps"]:
            table = apply_step(table, step, tables)
        tables[role] = table
    return tables


# ---------------------------------------------------------------------------------------------------
# Step 3: cleaning (clean.ts `cleanDataset`).


def normalize_float_ids(column):
    """clean.ts `normalizeFloatIds`: `21148.0` read as `21148`."""
    if not any(FLOAT_INTEGER.fullmatch(v) for v in column.dictionary):
        return column
    return column.mapped(lambda v: m.group(1) if (m := FLOAT_INTEGER.fullmatch(v)) else v)


def quantile_of(values, per_code, q):
    """clean.ts `quantileOf`: the value at quantile q, counting each code's rows."""
    order = [c for c in range(len(values)) if per_code[c] > 0 and math.isfinite(values[c])]
    order.sort(key=lambda c: values[c])
    total = sum(per_code[c] for c in order)
    target = q * (total - 1)
    seen = 0
    for c in order:
        seen += per_code[c]
        if seen - 1 >= target:
            return values[c]
    return math.nan


def clip_column(column, lower, upper, keep):
    """clean.ts `clipColumn`: finite numbers clipped to the quantiles, written as JavaScript writes them."""
    values = [math.nan if is_missing(v) else js_number(v) for v in column.dictionary]
    per_code = column.counts(keep)
    low = quantile_of(values, per_code, lower)
    high = quantile_of(values, per_code, upper)
    if not (math.isfinite(low) and math.isfinite(high)):
        return column

    def clip(v):
        x = math.nan if is_missing(v) else js_number(v)
        if not math.isfinite(x):
            return v
        return js_string(low) if x < low else js_string(high) if x > high else v

    return column.mapped(clip)


def clean_dataset(tables, mapping, options):
    """The page's cleaning steps, in its order; returns new tables (interactions filtered)."""
    user_id, item_id = mapping["userId"], mapping["itemId"]
    interactions = tables["interactions"]
    name = interactions.name
    if options["normalizeFloatIds"]:
        for role, table in list(tables.items()):
            for id_column in (user_id, item_id):
                if id_column in table.data:
                    table = table.with_column(id_column, normalize_float_ids(table.data[id_column]))
            tables[role] = table
    interactions = tables["interactions"]

    # clean.ts `checkIdsMatch`: an entity table sharing no id with the interactions is a wrong mapping.
    for id_column, role in ((user_id, "users"), (item_id, "items")):
        entities = tables.get(role)
        if entities is None or id_column not in entities.data or entities.rows == 0:
            continue
        ids = interactions.data[id_column]
        used = {v for v, n in zip(ids.dictionary, ids.counts()) if n}
        if not used & set(entities.data[id_column].dictionary):
            reason = f"none of the ids of {entities.name} matches an id of {name}"
            raise DataError(reason, entities.name, column=id_column)

    n = interactions.rows
    keep = bytearray(b"\x01") * n

    def removed(step, what):
        if n and not any(keep):
            raise DataError(f"no interactions are left after removing {what} ({step})", name)

    users_of = interactions.column(user_id)
    items_of = interactions.column(item_id)
    for col in (users_of, items_of):
        missing = [is_missing(v) for v in col.dictionary]
        for r, c in enumerate(col.codes):
            if missing[c]:
                keep[r] = 0
    removed("missing-ids", "rows with a missing user or item id")

    if options["dropUnknownIds"] and ("users" in tables or "items" in tables):
        for col, id_column, role in ((users_of, user_id, "users"), (items_of, item_id, "items")):
            entities = tables.get(role)
            if entities is None or id_column not in entities.data:
                continue
            known_texts = set(entities.data[id_column].dictionary)
            known = [v in known_texts for v in col.dictionary]
            for r, c in enumerate(col.codes):
                if not known[c]:
                    keep[r] = 0
        removed("unknown-ids", "rows whose user or item is not in its table")

    if options["dropDuplicates"]:
        # The first row of each (user, item[, time]) is kept (clean.ts `duplicateMask`).
        times = interactions.column(mapping["timestamp"]).codes if mapping.get("timestamp") else None
        seen = set()
        for r in range(n):
            if not keep[r]:
                continue
            key = (users_of.codes[r], items_of.codes[r], times[r] if times is not None else 0)
            if key in seen:
                keep[r] = 0
            else:
                seen.add(key)
        removed("duplicates", "duplicate interactions")

    if options["clipQuantiles"]:
        lower, upper = options["clipQuantiles"]["lower"], options["clipQuantiles"]["upper"]
        for f in mapping["features"]:
            table = tables.get(f["table"])
            if f["kind"] != "numeric" or table is None or f["column"] not in table.data:
                continue
            rows = keep if f["table"] == "interactions" else None
            clipped = clip_column(table.data[f["column"]], lower, upper, rows)
            tables[f["table"]] = table.with_column(f["column"], clipped)

    min_user, min_item = options["minInteractionsPerUser"], options["minInteractionsPerItem"]
    if min_user > 1 or min_item > 1:
        # k-core, repeated until nothing changes (clean.ts `kCoreMask`).
        while True:
            per_user = users_of.counts(keep)
            per_item = items_of.counts(keep)
            gone = 0
            for r in range(n):
                too_few = per_user[users_of.codes[r]] < min_user or per_item[items_of.codes[r]] < min_item
                if keep[r] and too_few:
                    keep[r] = 0
                    gone += 1
            if gone == 0:
                break
        removed("k-core", "rows of users or items below the minimum count")

    tables["interactions"] = tables["interactions"].filtered(keep)
    return tables


# ---------------------------------------------------------------------------------------------------
# Step 4: encoding (encode.ts `encodeDataset`).


@dataclass
class Field:
    name: str
    tower: str  # "user", "item" or "context"
    kind: str  # "id", "categorical" or "numeric"
    # code -> label; vocabulary[0] is the missing/unknown label.
    vocabulary: list


@dataclass
class MultiField:
    """A multi-valued field: the codes of entity e are codes[offsets[e]:offsets[e + 1]]."""

    name: str
    tower: str
    vocabulary: list
    offsets: torch.Tensor
    codes: torch.Tensor


@dataclass
class EncodedDataset:
    """The page's `EncodedDataset` (src/data/types.ts); code 0 always means missing or unknown."""

    name: str
    user_ids: list
    item_ids: list
    user_fields: list
    user_codes: torch.Tensor  # int64 [users, user fields]
    item_fields: list
    item_codes: torch.Tensor  # int64 [items, item fields]
    context_fields: list
    context_codes: torch.Tensor  # int64 [interactions, context fields]
    interaction_user: torch.Tensor  # int64 [interactions]
    interaction_item: torch.Tensor  # int64 [interactions]
    interaction_time: torch.Tensor | None  # float64 epoch seconds [interactions], or None
    multi_user: list = field(default_factory=list)
    multi_item: list = field(default_factory=list)
    item_labels: list | None = None
    user_labels: list | None = None


class IdIndex:
    """Ids numbered in order of first appearance."""

    def __init__(self):
        self.ids = []
        self.index = {}

    def add(self, id_text):
        i = self.index.get(id_text)
        if i is None:
            i = self.index[id_text] = len(self.ids)
            self.ids.append(id_text)
        return i


def vocabulary_of(labels, count_per_code, missing_label):
    """encode.ts `categoricalVocabulary`: by frequency, ties by label as JavaScript orders strings."""
    counts = {}
    for entry, n in zip(labels, count_per_code):
        if n == 0:
            continue
        for v in [entry] if isinstance(entry, str) else entry:
            if not is_missing(v):
                counts[v] = counts.get(v, 0) + n
    return [missing_label] + sorted(counts, key=lambda v: (-counts[v], js_order(v)))


def multi_values(column, separator):
    """encode.ts `multiValues`: each entry split, trimmed, missing parts dropped, each value once."""
    out = []
    for v in column.dictionary:
        values = []
        for part in v.split(separator):
            if not is_missing(part) and js_trim(part) not in values:
                values.append(js_trim(part))
        out.append(values)
    return out


def quantile_boundaries(numbers, buckets):
    """encode.buckets.ts `quantileBoundaries`: upper bounds of quantile buckets, duplicates removed."""
    finite = sorted(x for x in numbers if math.isfinite(x))
    bounds = []
    for b in range(1, buckets):
        if not finite:
            break
        q = finite[min(len(finite) - 1, (b * len(finite)) // buckets)]
        if not bounds or q > bounds[-1]:
            bounds.append(q)
    return bounds


def bucket_of(x, bounds):
    """encode.buckets.ts `bucketOf`: 0 when not finite, else 1 + the bounds it reaches."""
    if not math.isfinite(x):
        return 0
    b = 0
    while b < len(bounds) and x >= bounds[b]:
        b += 1
    return b + 1


def bound_text(x):
    """encode.buckets.ts `formatNumber`: integers as they are, others to 3 significant digits."""
    return js_string(x) if float(x).is_integer() else js_to_precision(x, 3)


def bucket_labels(bounds):
    if not bounds:
        return ["all values"]
    labels = [f"< {bound_text(bounds[0])}"]
    labels += [f"{bound_text(bounds[b - 1])} – {bound_text(bounds[b])}" for b in range(1, len(bounds))]
    return labels + [f"≥ {bound_text(bounds[-1])}"]


def encode_column(column, feature, tower, buckets, missing_label):
    """One feature column: a field and one code per row (encode.ts `encodeColumn`)."""
    if feature["kind"] in ("categorical", "multi"):
        labels = column.dictionary
        if feature["kind"] == "multi":
            # A multi-valued context column is read as its first value.
            values_of_entry = multi_values(column, feature.get("separator") or "|")
            labels = [values[0] if values else "" for values in values_of_entry]
        vocabulary = vocabulary_of(labels, column.counts(), missing_label)
        index = {label: code for code, label in enumerate(vocabulary)}
        code_of_entry = [index.get(label, 0) for label in labels]
        codes = [code_of_entry[c] for c in column.codes]
        return Field(feature["column"], tower, "categorical", vocabulary), codes
    per_entry = [parse_number(v) for v in column.dictionary]
    numbers = [per_entry[c] for c in column.codes]
    bounds = quantile_boundaries(numbers, buckets)
    codes = [bucket_of(x, bounds) for x in numbers]
    return Field(feature["column"], tower, "numeric", [missing_label] + bucket_labels(bounds)), codes


def entity_rows(table, id_column, index):
    """(row, entity) for each row of an entity table whose id is numbered; later rows win."""
    ids = table.column(id_column)
    entity_of_code = [index.index.get(v, -1) for v in ids.dictionary]
    return [(r, entity_of_code[c]) for r, c in enumerate(ids.codes) if entity_of_code[c] >= 0]


def encode_dataset(name, tables, mapping, buckets, missing_label):
    """Tables and the mapping as the integers the model reads (encode.ts `encodeDataset`)."""
    user_id, item_id = mapping["userId"], mapping["itemId"]
    interactions, users, items = tables["interactions"], tables.get("users"), tables.get("items")
    user_index, item_index = IdIndex(), IdIndex()

    def add_ids(column, index, only=None):
        seen = set()
        for c in column.codes:
            if c in seen:
                continue
            seen.add(c)
            v = column.dictionary[c]
            if not is_missing(v) and (only is None or v in only):
                index.add(v)

    user_col, item_col = interactions.column(user_id), interactions.column(item_id)
    # Users come from the interactions only, in the user table's order first; items of the item
    # table stay in the catalogue even without interactions.
    if users is not None:
        present = {v for v, n in zip(user_col.dictionary, user_col.counts()) if n and not is_missing(v)}
        add_ids(users.column(user_id), user_index, present)
    if items is not None:
        add_ids(items.column(item_id), item_index)

    interaction_user, interaction_item = array("q"), array("q")
    for r in range(interactions.rows):
        u, i = user_col.text(r), item_col.text(r)
        for text, column, what in ((u, user_id, "user"), (i, item_id, "item")):
            if is_missing(text):
                raise DataError(f"the {what} id is empty", interactions.name, interactions.file_rows[r], column)
        interaction_user.append(user_index.add(u))
        interaction_item.append(item_index.add(i))

    interaction_time = None
    if mapping.get("timestamp"):
        column = interactions.column(mapping["timestamp"])
        per_entry = []
        for v in column.dictionary:
            try:
                per_entry.append(parse_timestamp(v))
            except DataError as e:
                per_entry.append(e)
        times = array("d")
        for r, c in enumerate(column.codes):
            t = per_entry[c]
            where = (interactions.name, interactions.file_rows[r], mapping["timestamp"])
            if isinstance(t, DataError):
                raise DataError(str(t), *where)
            if not math.isfinite(t):
                expected = "expected epoch seconds, epoch milliseconds or an ISO date"
                raise DataError(f'"{column.dictionary[c]}" is not a timestamp ({expected})', *where)
            times.append(t)
        interaction_time = torch.tensor(times, dtype=torch.float64)

    def features(role, multi):
        return [f for f in mapping["features"] if f["table"] == role and (f["kind"] == "multi") == multi]

    def single(role):
        if role == "interactions":
            return [f for f in mapping["features"] if f["table"] == role]
        return features(role, False)

    def entity_codes(table, id_column, index, role, tower):
        n = len(index.ids)
        encoded = []
        if table is not None:
            for f in single(role):
                encoded.append(encode_column(table.column(f["column"]), f, tower, buckets, missing_label))
        width = len(encoded) + 1
        codes = [0] * (n * width)
        for e in range(n):
            codes[e * width] = e + 1
        if table is not None:
            for r, e in entity_rows(table, id_column, index):
                for f, (_, per_row) in enumerate(encoded):
                    codes[e * width + 1 + f] = per_row[r]
        fields = [Field(id_column, tower, "id", [missing_label] + index.ids)] + [fld for fld, _ in encoded]
        return fields, torch.tensor(codes, dtype=torch.int64).reshape(n, width)

    def multi_fields(table, id_column, index, role, tower):
        out = []
        if table is None:
            return out
        n = len(index.ids)
        for f in features(role, True):
            column = table.column(f["column"])
            values = multi_values(column, f.get("separator") or "|")
            vocabulary = vocabulary_of(values, column.counts(), missing_label)
            code_of = {label: code for code, label in enumerate(vocabulary)}
            entry_of_entity = [-1] * n
            for r, e in entity_rows(table, id_column, index):
                entry_of_entity[e] = column.codes[r]
            offsets, codes = [0], []
            for e in range(n):
                if entry_of_entity[e] >= 0:
                    codes.extend(code_of.get(v, 0) for v in values[entry_of_entity[e]])
                offsets.append(len(codes))
            as_tensor = lambda values: torch.tensor(values, dtype=torch.int64)  # noqa: E731
            out.append(MultiField(f["column"], tower, vocabulary, as_tensor(offsets), as_tensor(codes)))
        return out

    def labels_of(table, id_column, label, index):
        if table is None or not label or label not in table.data:
            return None
        out = [""] * len(index.ids)
        column = table.column(label)
        for r, e in entity_rows(table, id_column, index):
            out[e] = js_trim(column.text(r))
        return out

    # Encoded before the entity ids are read off, as the page does: ids are final by now.
    user_fields, user_codes = entity_codes(users, user_id, user_index, "users", "user")
    item_fields, item_codes = entity_codes(items, item_id, item_index, "items", "item")
    context = [
        encode_column(interactions.column(f["column"]), f, f["tower"], buckets, missing_label)
        for f in single("interactions")
    ]
    per_row = [list(row) for row in zip(*(codes for _, codes in context))] if context else []
    context_codes = torch.tensor(per_row, dtype=torch.int64)
    return EncodedDataset(
        name=name,
        user_ids=user_index.ids,
        item_ids=item_index.ids,
        user_fields=user_fields,
        user_codes=user_codes,
        item_fields=item_fields,
        item_codes=item_codes,
        context_fields=[f for f, _ in context],
        context_codes=context_codes.reshape(interactions.rows, len(context)),
        interaction_user=torch.tensor(interaction_user, dtype=torch.int64),
        interaction_item=torch.tensor(interaction_item, dtype=torch.int64),
        interaction_time=interaction_time,
        multi_user=multi_fields(users, user_id, user_index, "users", "user"),
        multi_item=multi_fields(items, item_id, item_index, "items", "item"),
        item_labels=labels_of(items, item_id, mapping.get("itemLabel"), item_index),
        user_labels=labels_of(users, user_id, mapping.get("userLabel"), user_index),
    )


# ---------------------------------------------------------------------------------------------------


def load_dataset(mapping_path, files_dir=None):
    """Reads mapping.json and the original files (in files_dir, else beside mapping.json)."""
    mapping_file = json.loads(Path(mapping_path).read_text(encoding="utf-8"))
    if mapping_file.get("format") != FORMAT or mapping_file.get("formatVersion") != FORMAT_VERSION:
        raise DataError(f"{mapping_path} is not a version {FORMAT_VERSION} {FORMAT} file")
    files_dir = files_dir or Path(mapping_path).parent
    tables = build_tables(mapping_file, files_dir)
    mapping = mapping_file["mapping"]
    if mapping_file["cleaning"] is not None:
        tables = clean_dataset(tables, mapping, mapping_file["cleaning"])
    encoding = mapping_file["encoding"]
    buckets, missing_label = encoding["numericBuckets"], encoding["missingLabel"]
    return encode_dataset(mapping_file["name"], tables, mapping, buckets, missing_label)


def as_json(data):
    """The dataset as plain JSON values: tensors as flat lists."""
    flat = lambda t: t.reshape(-1).tolist()  # noqa: E731
    fields = lambda fs: [vars(f) for f in fs]  # noqa: E731
    multi = lambda ms: [  # noqa: E731
        {
            "name": m.name,
            "tower": m.tower,
            "vocabulary": m.vocabulary,
            "offsets": flat(m.offsets),
            "codes": flat(m.codes),
        }
        for m in ms
    ]
    return {
        "name": data.name,
        "userIds": data.user_ids,
        "itemIds": data.item_ids,
        "userFields": fields(data.user_fields),
        "userCodes": flat(data.user_codes),
        "itemFields": fields(data.item_fields),
        "itemCodes": flat(data.item_codes),
        "contextFields": fields(data.context_fields),
        "contextCodes": flat(data.context_codes),
        "interactionUser": flat(data.interaction_user),
        "interactionItem": flat(data.interaction_item),
        "interactionTime": None if data.interaction_time is None else flat(data.interaction_time),
        "multiUser": multi(data.multi_user),
        "multiItem": multi(data.multi_item),
        "itemLabels": data.item_labels,
        "userLabels": data.user_labels,
    }


def main(argv):
    parser = argparse.ArgumentParser(description="Rebuild the playground's dataset from the original files.")
    parser.add_argument("mapping", help="mapping.json as the playground exported it")
    parser.add_argument(
        "files_dir", nargs="?", help="folder of the original files (default: beside mapping.json)"
    )
    parser.add_argument("--dump", metavar="OUT.json", help="write the dataset as JSON")
    args = parser.parse_args(argv)
    try:
        data = load_dataset(args.mapping, args.files_dir)
    except DataError as e:
        print(f"data.py: {e}", file=sys.stderr)
        return 1
    if args.dump:
        Path(args.dump).write_text(json.dumps(as_json(data), ensure_ascii=False), encoding="utf-8")
    counts = f"{len(data.interaction_user)} interactions, {len(data.user_ids)} users, {len(data.item_ids)} items"
    print(f"{data.name}: {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
