"""Readers: hostile real-world CSV and XLSX inputs generated under tmp_path."""

from __future__ import annotations

import codecs
import datetime as dt
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter

from bulkio.errors import InputError
from bulkio.files.detect import detect_encoding, sniff_delimiter
from bulkio.files.excel import cell_text
from bulkio.files.headers import guess_header, make_headers
from bulkio.files.readers import EXTRA_KEY, open_table
from bulkio.files.table import SourceRow, Table

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from gen_messy import HEADERS, write_messy_csv, write_messy_xlsx


def rows(t: Table) -> list[SourceRow]:
    return list(t.rows)


def codes(r: SourceRow) -> list[str]:
    return [i.code for i in r.issues]


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


# ---------------------------------------------------------------- CSV: encodings


def test_cp1252_semicolon_with_accents(tmp_path: Path) -> None:
    text = "Nombre;Apellido;Teléfono;País\r\nJosé;Núñez;+52 55 1234 5678;México\r\n"
    p = write(tmp_path, "c.csv", text.encode("cp1252"))
    t = open_table(p)
    assert (t.encoding, t.delimiter, t.format) == ("cp1252", ";", "csv")
    assert t.headers == ["Nombre", "Apellido", "Teléfono", "País"]
    [r] = rows(t)
    assert r.row == 2
    assert r.values == {"Nombre": "José", "Apellido": "Núñez",
                        "Teléfono": "+52 55 1234 5678", "País": "México"}
    assert r.issues == ()


def test_mac_excel_csv_mac_roman_with_bare_cr(tmp_path: Path) -> None:
    text = "Nombre;Ciudad\rJosé;Ñuñoa\rMaría;Querétaro\r"
    t = open_table(write(tmp_path, "mac.csv", text.encode("mac_roman")))
    assert (t.encoding, t.delimiter) == ("mac_roman", ";")
    assert [(r.row, r.values["Nombre"], r.values["Ciudad"]) for r in t.rows] == [
        (2, "José", "Ñuñoa"), (3, "María", "Querétaro")]


def test_utf8_bom_header_has_no_bom(tmp_path: Path) -> None:
    p = write(tmp_path, "b.csv", codecs.BOM_UTF8 + "Correo,Ciudad\na@b.mx,Mérida\n".encode())
    t = open_table(p)
    assert t.encoding == "utf-8-sig"
    assert t.headers == ["Correo", "Ciudad"]
    assert [r.values for r in t.rows] == [{"Correo": "a@b.mx", "Ciudad": "Mérida"}]


def test_forced_utf8_on_bom_file_still_strips_bom(tmp_path: Path) -> None:
    p = write(tmp_path, "b.csv", codecs.BOM_UTF8 + b"Correo,Ciudad\na@b.mx,X\n")
    assert open_table(p, encoding="utf-8").headers == ["Correo", "Ciudad"]


def test_utf16_le_bom_tab_as_excel_unicode_text(tmp_path: Path) -> None:
    text = "Nombre\tCorreo\tCiudad\r\nÍñigo\ti@x.es\tMálaga\r\nAna\ta@x.es\tLeón\r\n"
    p = write(tmp_path, "u.txt", text.encode("utf-16"))  # BOM + little-endian
    t = open_table(p)
    assert t.delimiter == "\t"
    assert t.encoding.startswith("utf-16")
    got = rows(t)
    assert [r.row for r in got] == [2, 3]
    assert got[0].values == {"Nombre": "Íñigo", "Correo": "i@x.es", "Ciudad": "Málaga"}
    forced = open_table(p, encoding="utf-16")
    assert [r.values["Ciudad"] for r in forced.rows] == ["Málaga", "León"]


def test_utf16_without_bom_detected(tmp_path: Path) -> None:
    p = write(tmp_path, "u.tsv", "Nombre\tCorreo\r\nAna\ta@x.es\r\n".encode("utf-16-le"))
    t = open_table(p)
    assert t.encoding == "utf-16-le"
    assert [r.values for r in t.rows] == [{"Nombre": "Ana", "Correo": "a@x.es"}]


def test_mixed_encodings_one_cp1252_line_in_utf8(tmp_path: Path) -> None:
    data = ("Nombre,Ciudad\nÁngela,Mérida\n".encode()
            + "José,Querétaro\n".encode("cp1252")
            + "Raúl,León\n".encode())
    t = open_table(write(tmp_path, "m.csv", data))
    assert t.encoding == "utf-8"
    got = rows(t)
    assert [r.values["Nombre"] for r in got] == ["Ángela", "José", "Raúl"]
    assert got[1].values["Ciudad"] == "Querétaro"
    assert [codes(r) for r in got] == [[], ["decoding-fallback"], []]
    assert got[1].issues[0].row == 3 and got[1].issues[0].severity == "warning"


def test_mixed_encodings_one_utf8_line_in_cp1252(tmp_path: Path) -> None:
    data = ("Nombre;Ciudad\r\nÁngela;Mérida\r\nJosé;León\r\n".encode("cp1252")
            + "Raúl;Querétaro\r\n".encode())
    t = open_table(write(tmp_path, "m.csv", data))
    assert t.encoding == "cp1252"
    got = rows(t)
    assert [r.values["Ciudad"] for r in got] == ["Mérida", "León", "Querétaro"]
    assert [codes(r) for r in got] == [[], [], ["decoding-fallback"]]
    forced = rows(open_table(write(tmp_path, "m.csv", data), encoding="cp1252"))
    assert forced[2].values["Ciudad"] == "QuerÃ©taro" and forced[2].issues == ()


def test_late_cp1252_byte_after_ascii_sample_does_not_crash(tmp_path: Path) -> None:
    # the first 64 KiB are pure ASCII, so detection says UTF-8; the accent comes later
    head = b"Nombre;Correo\r\n" + b"".join(b"Ana;a%d@x.mx\r\n" % i for i in range(8000))
    data = head + "José;jose@x.mx\r\n".encode("cp1252")
    got = rows(open_table(write(tmp_path, "late.csv", data)))
    assert len(got) == 8001
    assert got[-1].row == 8002
    assert got[-1].values["Nombre"] == "José"
    assert codes(got[-1]) == ["decoding-fallback"]


def test_forced_encoding_reads_as_told(tmp_path: Path) -> None:
    p = write(tmp_path, "f.csv", "Nombre,Ciudad\nJosé,León\n".encode())
    t = open_table(p, encoding="latin-1")
    assert t.encoding == "iso8859-1"
    assert rows(t)[0].values["Nombre"] == "JosÃ©"  # mojibake proves the codec was forced


def test_forced_encoding_undecodable_in_sample(tmp_path: Path) -> None:
    p = write(tmp_path, "f.csv", "Nombre,Ciudad\nJosé,León\n".encode("cp1252"))
    with pytest.raises(InputError, match="not valid utf-8") as exc:
        open_table(p, encoding="utf-8")
    assert exc.value.path == p and exc.value.hint


def test_forced_encoding_undecodable_later_line(tmp_path: Path) -> None:
    head = b"Nombre;Correo\r\n" + b"".join(b"Ana;a%d@x.mx\r\n" % i for i in range(8000))
    p = write(tmp_path, "f.csv", head + "José;j@x.mx\r\n".encode("cp1252"))
    t = open_table(p, encoding="utf-8")
    with pytest.raises(InputError, match="line 8002 is not valid utf-8"):
        rows(t)


def test_unknown_forced_encoding(tmp_path: Path) -> None:
    p = write(tmp_path, "f.csv", b"a,b\n1,2\n")
    with pytest.raises(InputError, match="unknown encoding"):
        open_table(p, encoding="klingon-8")


@pytest.mark.parametrize(
    ("data", "complete", "expected"),
    [
        (b"a,b\n1,2\n", True, "utf-8"),
        ("Mérida,León\n".encode(), True, "utf-8"),
        ("Mérida,León\n".encode("cp1252"), True, "cp1252"),
        ("Mérida,León,Peña,¿Sí?\n".encode("mac_roman"), True, "mac_roman"),
        ("Ñuñoa,Bogotá\r".encode("mac_roman"), True, "mac_roman"),
        ("Precio;5€;año\n".encode("cp1252"), True, "cp1252"),
        (b"a\xa0b\n", True, "cp1252"),  # no letters either way: cp1252
        (codecs.BOM_UTF8 + b"a,b\n", True, "utf-8-sig"),
        ("a\tb\n".encode("utf-16"), True, "utf-16"),
        ("a\tb\n".encode("utf-32"), True, "utf-32"),
        ("año;mes\r\n".encode("utf-16-be"), True, "utf-16-be"),
        # cut mid-character at the end of the sample: still UTF-8
        ("x\nMérida\nLeón".encode()[:-2], False, "utf-8"),
        # two UTF-8 lines beat one cp1252 line
        ("Ángela\n".encode() + "José\n".encode("cp1252") + "Raúl\n".encode(), True,
         "utf-8"),
    ],
)
def test_detect_encoding(data: bytes, complete: bool, expected: str) -> None:
    assert detect_encoding(data, complete=complete) == expected


# ---------------------------------------------------------------- CSV: delimiters


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Nombre,Correo,Ciudad\nAna,a@x,León\n", ","),
        ("Nombre;Correo;Ciudad\nAna;a@x;León\n", ";"),
        ("Nombre\tCorreo\nAna\ta@x\n", "\t"),
        ("Nombre|Correo|Ciudad\nAna|a@x|León\n", "|"),
        # commas inside ;-separated cells (unquoted, as Spanish data often has)
        ("Nombre;Empresa;Ciudad\nAna;Acme, S.A.;León\nLuis;Foo, Bar;Lima\n", ";"),
        # quoted cells with ; inside a comma file
        ('Nombre,Notas\nAna,"uno; dos; tres"\nLuis,"a;b"\n', ","),
        ("Correo\na@x\nb@x\n", ","),  # one column
        ("Nombre;Apellido;Correo\n", ";"),  # header only
    ],
)
def test_sniff_delimiter(text: str, expected: str) -> None:
    assert sniff_delimiter(text, complete=True) == expected


def test_pipe_file(tmp_path: Path) -> None:
    t = open_table(write(tmp_path, "p.txt", b"Nombre|Correo\nAna|a@x.mx\n"))
    assert t.delimiter == "|"
    assert rows(t)[0].values == {"Nombre": "Ana", "Correo": "a@x.mx"}


@pytest.mark.parametrize("forced", [";", "\\t", "tab"])
def test_forced_delimiter(tmp_path: Path, forced: str) -> None:
    sep = ";" if forced == ";" else "\t"
    p = write(tmp_path, "d.csv", f"a,b{sep}c\n1,2{sep}3\n".encode())
    t = open_table(p, delimiter=forced)
    assert t.delimiter == sep
    assert t.headers == ["a,b", "c"]


def test_forced_delimiter_must_be_one_char(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="one character"):
        open_table(write(tmp_path, "d.csv", b"a,b\n"), delimiter=";;")


# ---------------------------------------------------------------- CSV: structure


def test_multiline_quoted_cells_keep_line_numbers(tmp_path: Path) -> None:
    text = ('Nombre,Notas,Correo\r\n'
            'Ana,"línea 1\r\nlínea 2\r\nlínea 3",a@x.mx\r\n'
            'Luis,"dice ""hola""",l@x.mx\r\n'
            'Eva,"a\nb",e@x.mx\r\n'
            'Leo,,leo@x.mx\r\n')
    got = rows(open_table(write(tmp_path, "ml.csv", text.encode())))
    assert [(r.row, r.values["Nombre"]) for r in got] == [
        (2, "Ana"), (5, "Luis"), (6, "Eva"), (8, "Leo")]
    assert got[0].values["Notas"] == "línea 1\r\nlínea 2\r\nlínea 3"
    assert got[1].values["Notas"] == 'dice "hola"'


def test_nul_bytes_removed_and_reported(tmp_path: Path) -> None:
    data = b"Nombre,Correo\nAna,a@x.mx\nLu\x00is,l@x\x00.mx\nEva,e@x.mx\n"
    got = rows(open_table(write(tmp_path, "n.csv", data)))
    assert got[1].values == {"Nombre": "Luis", "Correo": "l@x.mx"}
    assert [codes(r) for r in got] == [[], ["nul-byte"], []]
    assert got[1].issues[0].row == 3


def test_ragged_rows(tmp_path: Path) -> None:
    data = b"a;b;c\n1;2;3\n1;2\n1;2;3;4;;5\n1;2;3;;\n"
    got = rows(open_table(write(tmp_path, "r.csv", data)))
    assert got[0].values == {"a": "1", "b": "2", "c": "3"} and got[0].issues == ()
    assert got[1].values == {"a": "1", "b": "2", "c": None}
    assert codes(got[1]) == ["ragged-row"]
    assert got[2].values == {"a": "1", "b": "2", "c": "3", EXTRA_KEY: "4;5"}
    assert codes(got[2]) == ["ragged-row"]
    assert got[2].issues[0].severity == "warning"
    # empty trailing cells (Excel pads rows with delimiters) are not ragged
    assert got[3].values == {"a": "1", "b": "2", "c": "3"} and got[3].issues == ()


def test_blank_lines_and_empty_rows(tmp_path: Path) -> None:
    data = (b"\r\n\r\nNombre;Correo\r\nAna;a@x\r\n\r\n   \r\n;\r\nLuis;l@x\r\n"
            b";\r\n\r\n;\r\n")
    t = open_table(write(tmp_path, "e.csv", data))
    assert t.header_row == 3
    got = rows(t)
    # blank lines skipped silently; the all-empty row between data rows is reported;
    # the empty rows after the last data row are dropped
    assert [(r.row, codes(r)) for r in got] == [(4, []), (7, ["empty-row"]), (8, [])]
    assert got[1].values == {"Nombre": None, "Correo": None}
    assert got[1].issues[0].severity == "warning"


def test_whitespace_cells_are_none_and_text_kept_as_is(tmp_path: Path) -> None:
    got = rows(open_table(write(tmp_path, "w.csv", b"a,b,c\n  ,  x ,007\n")))
    assert got[0].values == {"a": None, "b": "  x ", "c": "007"}


def test_duplicate_and_blank_headers(tmp_path: Path) -> None:
    t = open_table(write(tmp_path, "h.csv", b"Email, Nombre ,,Email,,Email\n1,2,3,4,5,6\n"))
    assert t.headers == ["Email", "Nombre", "Column 3", "Email (2)", "Column 5", "Email (3)"]
    assert rows(t)[0].values["Email (3)"] == "6"


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (["a", "b"], ["a", "b"]),
        (["", " "], ["Column 1", "Column 2"]),
        (["x", "x", "x (2)"], ["x", "x (2)", "x (2) (2)"]),
        (["\ufeffNombre"], ["Nombre"]),
    ],
)
def test_make_headers(cells: list[str], expected: list[str]) -> None:
    assert make_headers(cells) == expected


def test_trailing_blank_header_columns_dropped(tmp_path: Path) -> None:
    t = open_table(write(tmp_path, "t.csv", b"a;b;;\n1;2;;\n"))
    assert t.headers == ["a", "b"]
    assert rows(t)[0].values == {"a": "1", "b": "2"}


def test_header_only_has_no_rows(tmp_path: Path) -> None:
    t = open_table(write(tmp_path, "h.csv", "Nombre;Correo;Teléfono\r\n".encode("cp1252")))
    assert t.headers == ["Nombre", "Correo", "Teléfono"]
    assert rows(t) == []


def test_title_rows_above_csv_header(tmp_path: Path) -> None:
    data = b"Reporte de contactos;;\r\nGenerado;2024-05-01;\r\n;;\r\nNombre;Correo;Tel\r\n" \
           b"Ana;a@x;5512345678\r\n"
    t = open_table(write(tmp_path, "t.csv", data))
    assert (t.header_row, t.headers) == (4, ["Nombre", "Correo", "Tel"])
    assert [r.row for r in t.rows] == [5]


def test_forced_header_row(tmp_path: Path) -> None:
    data = b"x,y\nNombre,Correo\nAna,a@x\n"
    t = open_table(write(tmp_path, "f.csv", data), header_row=2)
    assert t.headers == ["Nombre", "Correo"]
    assert [(r.row, r.values["Nombre"]) for r in t.rows] == [(3, "Ana")]
    with pytest.raises(InputError, match="line 9"):
        open_table(write(tmp_path, "f.csv", data), header_row=9)


def test_bare_cr_line_endings(tmp_path: Path) -> None:
    got = rows(open_table(write(tmp_path, "mac.csv", b"a,b\r1,2\r3,4\r")))
    assert [(r.row, r.values["a"]) for r in got] == [(2, "1"), (3, "3")]


@pytest.mark.parametrize(
    "data",
    [
        b'a,b,c\n1,"2,3\n4,5,6\n7,"8",9\n10,11,12\n',  # closed two lines later
        b'a,b,c\n1,"2,3\n4,5,6\n7,8,9\n10,11,12\n',  # never closed: runs to the end
    ],
)
def test_unbalanced_quote_swallowing_rows_is_an_error(tmp_path: Path, data: bytes) -> None:
    got = rows(open_table(write(tmp_path, "q.csv", data)))
    assert got[0].row == 2
    bad = [i for i in got[0].issues if i.code == "unbalanced-quote"]
    assert len(bad) == 1 and bad[0].severity == "error"
    assert "lines 2-" in bad[0].message


def test_multiline_cell_with_commas_is_not_unbalanced(tmp_path: Path) -> None:
    data = 'Nombre,Dirección,Correo,Tel\nAna,"Calle 5, Centro\nCDMX, 06000",a@x,1\n'.encode()
    [r] = rows(open_table(write(tmp_path, "ok.csv", data)))
    assert r.issues == () and r.values["Dirección"] == "Calle 5, Centro\nCDMX, 06000"


def test_stray_carriage_return_inside_a_line(tmp_path: Path) -> None:
    data = b'a,b\r\nx\ry,z\r\n"q\rw",v\n1,2\r\nlast\rline,3'
    got = rows(open_table(write(tmp_path, "cr.csv", data)))
    assert [(r.row, r.values["a"]) for r in got] == [
        (2, "x y"), (3, "q w"), (4, "1"), (5, "last line")]


def test_ten_thousand_columns(tmp_path: Path) -> None:
    n = 10_000
    head = ",".join(f"c{i}" for i in range(n))
    body = ",".join(str(i) for i in range(n))
    t = open_table(write(tmp_path, "wide.csv", f"{head}\n{body}\n{body}\n".encode()))
    assert len(t.headers) == n
    got = rows(t)
    assert len(got) == 2 and got[1].values["c9999"] == "9999" and got[1].row == 3


def test_one_megabyte_cell(tmp_path: Path) -> None:
    big = "ñ" * (1024 * 1024)
    data = f'Nombre,Notas\nAna,"{big}"\nLuis,corta\n'.encode()
    got = rows(open_table(write(tmp_path, "big.csv", data)))
    assert got[0].values["Notas"] == big
    assert (got[1].row, got[1].values["Notas"]) == (3, "corta")


def test_rows_stream_lazily(tmp_path: Path) -> None:
    p = write_messy_csv(tmp_path / "m.csv", 50)
    t = open_table(p)
    assert iter(t.rows) is t.rows
    first = next(t.rows)
    assert first.row == 2
    assert sum(1 for _ in t.rows) == 49


def test_messy_csv_row_numbers_point_at_the_line(tmp_path: Path) -> None:
    p = write_messy_csv(tmp_path / "m.csv", 2000)
    t = open_table(p)
    assert t.headers == HEADERS and (t.encoding, t.delimiter) == ("cp1252", ";")
    got = rows(t)
    assert len(got) == 2000
    # a physical line ends at LF (CRLF or the bare LF inside a multi-line quoted cell)
    lines = p.read_bytes().decode("cp1252").split("\n")
    for r in got:
        first = r.values["Nombre"]
        assert first is not None and lines[r.row - 1].startswith(f"{first};")
    # the generator writes multi-line companies, so lines and rows diverge
    assert got[-1].row > 2001


# ---------------------------------------------------------------- CSV: unusable input


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found") as exc:
        open_table(tmp_path / "nope.csv")
    assert exc.value.hint


@pytest.mark.parametrize(("name", "match"), [("x.pdf", "unsupported"), ("x", "no extension")])
def test_unknown_extension(tmp_path: Path, name: str, match: str) -> None:
    with pytest.raises(InputError, match=match) as exc:
        open_table(write(tmp_path, name, b"a,b\n"))
    assert ".xlsx" in exc.value.hint


def test_zero_bytes(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="empty \\(0 bytes\\)"):
        open_table(write(tmp_path, "z.csv", b""))


def test_only_blank_lines(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no header"):
        open_table(write(tmp_path, "z.csv", b"\r\n  \r\n\n"))


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01", "PNG image"),
        (b"PK\x03\x04\x14\x00\x06\x00", "Excel workbook"),
        (b"%PDF-1.7\n", "PDF"),
        (bytes(range(256)) * 8, "binary"),
    ],
)
def test_binary_garbage(tmp_path: Path, data: bytes, match: str) -> None:
    with pytest.raises(InputError, match=match) as exc:
        open_table(write(tmp_path, "g.csv", data))
    assert exc.value.hint


def test_sheet_option_rejected_for_csv(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="Excel"):
        open_table(write(tmp_path, "a.csv", b"a,b\n"), sheet="Hoja1")


# ---------------------------------------------------------------- XLSX


def xlsx(path: Path, sheets: dict[str, list[tuple[int, int, Any]]],
         hidden: tuple[str, ...] = ()) -> Path:
    """Write cells (row0, col0, value) per sheet; value may be a callable(ws, r, c, wb)."""
    wb = xlsxwriter.Workbook(str(path))
    for name, cells in sheets.items():
        ws = wb.add_worksheet(name)
        if name in hidden:
            ws.hide()
        elif hidden and wb.worksheets()[0].name in hidden:
            ws.activate()  # xlsxwriter will not hide the active (first) sheet
        for r, c, v in cells:
            if callable(v):
                v(ws, r, c, wb)
            else:
                ws.write(r, c, v)
    wb.close()
    return path


def _date(d: dt.datetime, fmt: str) -> Any:
    def w(ws: Any, r: int, c: int, wb: Any) -> None:
        ws.write_datetime(r, c, d, wb.add_format({"num_format": fmt}))
    return w


def _formula(f: str, cached: Any) -> Any:
    def w(ws: Any, r: int, c: int, wb: Any) -> None:
        ws.write_formula(r, c, f, None, cached)
    return w


def _text(s: str) -> Any:
    def w(ws: Any, r: int, c: int, wb: Any) -> None:
        ws.write_string(r, c, s)
    return w


def _blank_formatted(ws: Any, r: int, c: int, wb: Any) -> None:
    ws.write_blank(r, c, None, wb.add_format({"bg_color": "#FFFF00"}))


def test_xlsx_title_rows_types_and_row_numbers(tmp_path: Path) -> None:
    head = ["Nombre", "Teléfono", "CP", "Nacimiento", "Alta", "Activo", "Total", "Monto",
            "Suma"]
    cells: list[tuple[int, int, Any]] = [(0, 0, "Contactos exportados"), (1, 0, "Mayo 2024")]
    cells += [(3, c, h) for c, h in enumerate(head)]
    cells += [
        (4, 0, "José"), (4, 1, 5512345678), (4, 2, _text("01234")),
        (4, 3, _date(dt.datetime(1990, 3, 5), "dd/mm/yyyy")),
        (4, 4, _date(dt.datetime(2024, 5, 1, 14, 30), "dd/mm/yyyy hh:mm")),
        (4, 5, True), (4, 6, _formula("=2*3", 6)), (4, 7, 12.5), (4, 8, 0.1 + 0.2),
        (5, 0, "Ana"), (5, 1, _text("+52 55 1234 5678")), (5, 5, False),
        (5, 6, _formula('="a"&"b"', "ab")), (5, 7, -3), (5, 8, 1e20),
    ]
    p = xlsx(tmp_path / "t.xlsx", {"Hoja1": cells})
    t = open_table(p)
    assert (t.format, t.sheet, t.header_row, t.headers) == ("xlsx", "Hoja1", 4, head)
    got = rows(t)
    assert [r.row for r in got] == [5, 6]
    assert got[0].values == {
        "Nombre": "José", "Teléfono": "5512345678", "CP": "01234", "Nacimiento": "1990-03-05",
        "Alta": "2024-05-01T14:30:00", "Activo": "TRUE", "Total": "6", "Monto": "12.5",
        "Suma": "0.3"}
    assert got[1].values["Teléfono"] == "+52 55 1234 5678"
    assert (got[1].values["Activo"], got[1].values["Total"]) == ("FALSE", "ab")
    assert (got[1].values["Monto"], got[1].values["Suma"]) == ("-3", "1e+20")
    assert got[1].values["CP"] is None and got[1].issues == ()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("01234", "01234"), ("", ""), (5512345678.0, "5512345678"), (12.5, "12.5"),
        (0.1 + 0.2, "0.3"), (-0.0, "0"), (1e-7, "1e-07"), (7, "7"), (True, "TRUE"),
        (False, "FALSE"), (dt.date(2024, 1, 31), "2024-01-31"),
        (dt.datetime(2024, 1, 31), "2024-01-31"),
        (dt.datetime(2024, 1, 31, 8, 5, 9), "2024-01-31T08:05:09"),
        (dt.time(8, 30), "08:30:00"), (dt.timedelta(hours=30), "1 day, 6:00:00"),
        (None, ""),
    ],
)
def test_cell_text(value: Any, expected: str) -> None:
    assert cell_text(value) == expected


def test_xlsx_trailing_empty_rows_and_columns_ignored(tmp_path: Path) -> None:
    cells: list[tuple[int, int, Any]] = [(0, 1, "Nombre"), (0, 2, "Correo"),
                                         (1, 1, "Ana"), (1, 2, "a@x"),
                                         (3, 1, "Luis"), (3, 2, "l@x")]
    # formatted blank cells to the right and below: Excel keeps them in the used range
    cells += [(r, c, _blank_formatted) for r in range(0, 9) for c in (5, 6)]
    cells += [(r, 1, _blank_formatted) for r in range(5, 9)]
    t = open_table(xlsx(tmp_path / "e.xlsx", {"S": cells}))
    assert t.headers == ["Nombre", "Correo"]
    got = rows(t)
    assert [(r.row, codes(r)) for r in got] == [(2, []), (3, ["empty-row"]), (4, [])]


def test_xlsx_blank_and_duplicate_headers_and_extra_cells(tmp_path: Path) -> None:
    cells = [(0, 1, "Email"), (0, 3, "Email"), (1, 1, "a@x"), (1, 2, "x"), (1, 3, "b@x"),
             (1, 5, "suelto")]
    got_t = open_table(xlsx(tmp_path / "h.xlsx", {"S": cells}))
    # columns B..D; the blank header is named after its sheet column (C = 3)
    assert got_t.headers == ["Email", "Column 3", "Email (2)"]
    [r] = rows(got_t)
    assert r.values == {"Email": "a@x", "Column 3": "x", "Email (2)": "b@x",
                        EXTRA_KEY: "suelto"}
    assert codes(r) == ["ragged-row"]


def test_xlsx_sheets_by_default_name_and_index(tmp_path: Path) -> None:
    p = xlsx(tmp_path / "m.xlsx", {
        "Oculta": [(0, 0, "h"), (0, 1, "i"), (1, 0, "x")],
        "Clientes": [(0, 0, "Nombre"), (0, 1, "Correo"), (1, 0, "Ana")],
        "Bajas": [(0, 0, "Nombre"), (0, 1, "Motivo"), (1, 0, "Luis")],
    }, hidden=("Oculta",))
    assert open_table(p).sheet == "Clientes"  # first VISIBLE sheet
    assert open_table(p, sheet="Bajas").headers == ["Nombre", "Motivo"]
    assert open_table(p, sheet="bajas ").sheet == "Bajas"
    assert open_table(p, sheet=3).sheet == "Bajas"
    assert open_table(p, sheet="1").sheet == "Oculta"
    with pytest.raises(InputError, match="sheet 'Altas' not found") as exc:
        open_table(p, sheet="Altas")
    assert "'Oculta', 'Clientes', 'Bajas'" in exc.value.hint
    with pytest.raises(InputError, match="sheet 4 not found"):
        open_table(p, sheet=4)


def test_xlsx_empty_sheet_and_forced_header_row(tmp_path: Path) -> None:
    p = xlsx(tmp_path / "s.xlsx", {
        "Vacía": [],
        "Datos": [(0, 0, "a"), (0, 1, "b"), (1, 0, "Nombre"), (1, 1, "Correo"),
                  (2, 0, "Ana"), (2, 1, "a@x")],
    })
    with pytest.raises(InputError, match="is empty"):
        open_table(p, sheet="Vacía")
    t = open_table(p, sheet="Datos", header_row=2)
    assert t.headers == ["Nombre", "Correo"]
    assert [r.row for r in t.rows] == [3]
    with pytest.raises(InputError, match="row 7"):
        open_table(p, sheet="Datos", header_row=7)


def test_xlsx_data_starting_below_row_one_keeps_excel_row_numbers(tmp_path: Path) -> None:
    # nothing above the header: calamine's used range starts at row 4, column C
    p = xlsx(tmp_path / "d.xlsx", {"S": [(3, 2, "Nombre"), (3, 3, "Correo"),
                                         (4, 2, "Ana"), (6, 3, "l@x")]})
    t = open_table(p)
    assert t.header_row == 4
    assert [(r.row, r.values) for r in t.rows] == [
        (5, {"Nombre": "Ana", "Correo": None}),
        (6, {"Nombre": None, "Correo": None}),
        (7, {"Nombre": None, "Correo": "l@x"}),
    ]


def test_xlsx_header_only(tmp_path: Path) -> None:
    p = xlsx(tmp_path / "h.xlsx", {"S": [(0, 0, "Nombre"), (0, 1, "Correo")]})
    t = open_table(p)
    assert t.headers == ["Nombre", "Correo"] and rows(t) == []


def test_xlsm_extension_reads(tmp_path: Path) -> None:
    p = xlsx(tmp_path / "a.xlsx", {"S": [(0, 0, "a"), (0, 1, "b"), (1, 0, "1")]})
    q = p.rename(tmp_path / "a.xlsm")
    assert [r.values for r in open_table(q).rows] == [{"a": "1", "b": None}]


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (b"Nombre,Correo\nAna,a@x\n", "not an Excel"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504, "password-protected"),
        (b"", "empty"),
    ],
)
def test_xlsx_unusable(tmp_path: Path, data: bytes, match: str) -> None:
    with pytest.raises(InputError, match=match) as exc:
        open_table(write(tmp_path, "bad.xlsx", data))
    assert exc.value.hint


def test_xlsx_corrupt_zip(tmp_path: Path) -> None:
    p = tmp_path / "c.xlsx"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("[Content_Types].xml", "<nope")
    with pytest.raises(InputError, match="corrupt"):
        open_table(p)
    good = xlsx(tmp_path / "g.xlsx", {"S": [(0, 0, "a"), (0, 1, "b")]})
    write(tmp_path, "trunc.xlsx", good.read_bytes()[:300])
    with pytest.raises(InputError, match=r"trunc\.xlsx: the workbook is corrupt"):
        open_table(tmp_path / "trunc.xlsx")


def test_messy_xlsx(tmp_path: Path) -> None:
    t = open_table(write_messy_xlsx(tmp_path / "m.xlsx", 300))
    assert (t.header_row, t.headers, t.sheet) == (3, HEADERS, "Contactos")
    got = rows(t)
    assert [r.row for r in got] == list(range(4, 304))
    zips = [r.values["Código Postal"] for r in got]
    assert all(z is not None and len(z) == 5 and z.isdigit() for z in zips)
    dates = {r.values["Fecha de nacimiento"] for r in got}
    assert "31/02/1990" in dates and any(d and d[4] == "-" for d in dates)
    assert not any("." in (r.values["Teléfono"] or "") for r in got)


@pytest.mark.parametrize(
    ("rows_", "expected"),
    [
        ([["Nombre", "Correo"], ["Ana", "a@x"]], 0),
        ([["Reporte"], ["Nombre", "Correo", "Tel"], ["Ana", "a@x", "1"]], 1),
        ([["Generado", "2024-01-01"], ["a", "b", "c", "d", "e"], ["1", "2", "3", "4", "5"]],
         1),
        ([["1", "2", "3"], ["Nombre", "Correo", "Tel"], ["Ana", "a@x", "1"]], 1),
        ([["Correo"], ["a@x"]], 0),  # one column: first row
        ([["Nombre", "Correo"]], 0),  # header only
    ],
)
def test_guess_header(rows_: list[list[str]], expected: int) -> None:
    assert guess_header(rows_) == expected
