#!/usr/bin/env python3
"""Generates the workbook fixtures of XLSXReaderTests (run from anywhere):

    python3 Tests/XLSXReaderTests/Fixtures/make_fixtures.py

Producers: XlsxWriter, openpyxl, LibreOffice (soffice --headless, Debian's
libreoffice-calc-nogui) and hand-made packages written with zipfile for the
edge cases. Needs: xlsxwriter, openpyxl, msoffcrypto-tool (pip; for the
password-protected fixture). Deterministic except the LibreOffice files,
which carry LibreOffice's own timestamps (values are what the tests check).
"""
import datetime
import html
import io
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
FIXED_TIME = (2024, 1, 2, 3, 4, 6)

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "http://schemas.openxmlformats.org/package/2006/content-types"
STRICT_MAIN = "http://purl.oclc.org/ooxml/spreadsheetml/main"
STRICT_REL = "http://purl.oclc.org/ooxml/officeDocument/relationships"


def out(name):
    return os.path.join(HERE, name)


# ---------------------------------------------------------------- producers

def xlsxwriter_fixtures():
    import xlsxwriter

    wb = xlsxwriter.Workbook(out("xlsxwriter_types.xlsx"))
    wb.set_properties({"created": datetime.datetime(2024, 1, 2, 3, 4, 5)})
    ws = wb.add_worksheet("Data")
    bold = wb.add_format({"bold": True})
    ws.write_row(0, 0, ["id", "name", "price", "small", "flag", "formula", "error", "text formula"], bold)
    ws.write_number(1, 0, 1)
    ws.write_string(1, 1, "Alpha")
    ws.write_number(1, 2, 0.1)
    ws.write_number(1, 3, 1e-3)
    ws.write_boolean(1, 4, True)
    ws.write_formula(1, 5, "=A2*2", None, 2)
    ws.write_formula(1, 6, "=NA()", None, "#N/A")
    ws.write_formula(1, 7, '="x"&B2', None, "xAlpha")
    ws.write_number(2, 0, 2)
    ws.write_rich_string(2, 1, "Be", bold, "ta", " rich")
    ws.write_number(2, 2, -0.0)
    ws.write_number(2, 3, 123456789012)
    ws.write_boolean(2, 4, False)
    ws.write_formula(2, 5, "=1/0", None, "#DIV/0!")
    ws.merge_range("A5:C6", "merged", None)
    ws.write_string(6, 0, "  spaced  ")
    ws.write_string(7, 0, "line1\nline2")
    ws.write_string(8, 0, "under_x0041_score")
    ws.set_row(9, None, bold)  # style-only empty row
    ws.write_blank(10, 0, None, bold)  # style-only cell
    ws.write_number(11, 1, 42)

    dates = wb.add_worksheet("Dates")
    dt = datetime.datetime(2024, 3, 15, 13, 45, 30)
    formats = [
        ("id14", 14), ("id15", 15), ("id16", 16), ("id17", 17), ("id18", 18), ("id19", 19),
        ("id20", 20), ("id21", 21), ("id22", 22), ("id45", 45), ("id46", 46), ("id47", 47),
        ("iso", "yyyy-mm-dd"), ("elapsed", "[h]:mm"), ("dmy hm", "dd/mm/yyyy hh:mm"),
        ("mmss", "mm:ss"), ("quoted", '0.00" d"'), ("red", "[Red]0.00"), ("locale", "[$-409]mmmm d, yyyy"),
        ("general", "General"), ("percent", "0.00%"),
    ]
    for row, (label, fmt) in enumerate(formats):
        f = wb.add_format({"num_format": fmt})
        dates.write_string(row, 0, label)
        dates.write_number(row, 1, 45366.5732638889, f)
    dates.write_number(len(formats), 0, -5, wb.add_format({"num_format": 14}))
    dates.write_datetime(len(formats) + 1, 0, dt, wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}))

    hidden = wb.add_worksheet("Hidden")
    hidden.write(0, 0, "secret")
    hidden.hide()
    very = wb.add_worksheet("VeryHidden")
    very.write(0, 0, "more secret")
    very.very_hidden()
    wb.close()

    # constant_memory mode writes inline strings (t="inlineStr").
    wb = xlsxwriter.Workbook(out("xlsxwriter_inline.xlsx"), {"constant_memory": True})
    wb.set_properties({"created": datetime.datetime(2024, 1, 2, 3, 4, 5)})
    ws = wb.add_worksheet("Inline")
    ws.write_row(0, 0, ["a", "b & <c>", "é ü 日本 😀"])
    ws.write_row(1, 0, [1, 2.5, "x"])
    wb.close()

    wb = xlsxwriter.Workbook(out("xlsxwriter_1904.xlsx"), {"date_1904": True})
    wb.set_properties({"created": datetime.datetime(2024, 1, 2, 3, 4, 5)})
    ws = wb.add_worksheet("D")
    ws.write_datetime(0, 0, datetime.datetime(2024, 3, 15), wb.add_format({"num_format": 14}))
    wb.close()

    wb = xlsxwriter.Workbook(out("header_only.xlsx"))
    wb.set_properties({"created": datetime.datetime(2024, 1, 2, 3, 4, 5)})
    wb.add_worksheet("Only").write_row(0, 0, ["id", "name", "amount"])
    wb.close()


def openpyxl_fixture(path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "People"
    ws.append(["name", "age", "joined", "active", "score", "note"])
    ws.append(["Ann", 34, datetime.date(2020, 5, 17), True, 1.5, None])
    ws.append(["Bob", 41, datetime.datetime(2021, 6, 1, 8, 30), False, -2.25, "ok"])
    ws.append(["Cé", None, None, None, 1e20, "#N/A"])
    ws["F4"].data_type = "e"
    ws["C4"] = datetime.time(7, 15)
    ws["G2"] = "=B2*2"  # formula without a cached value: no value
    ws["A6"] = "after gap"
    ws.merge_cells("A8:B9")
    ws["A8"] = "merged"
    hidden = wb.create_sheet("Hidden")
    hidden["A1"] = 1
    hidden.sheet_state = "hidden"
    very = wb.create_sheet("VeryHidden")
    very["A1"] = 2
    very.sheet_state = "veryHidden"
    dur = wb.create_sheet("Durations")
    dur["A1"] = 1.5
    dur["A1"].number_format = "[h]:mm:ss"
    dur["A2"] = 0.25
    dur["A2"].number_format = "h:mm"
    dur["A3"] = 45000
    dur["A3"].number_format = "yyyy-mm-dd"
    wb.save(path)


def libreoffice_fixtures():
    soffice = shutil.which("soffice")
    if not soffice:
        print("soffice not found: skipping LibreOffice fixtures", file=sys.stderr)
        return
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "libreoffice.xlsx")
        openpyxl_fixture(src)
        # Give LibreOffice a formula with a value it must compute.
        import openpyxl
        wb = openpyxl.load_workbook(src)
        wb["People"]["H2"] = "=B2+B3"
        wb["People"]["I2"] = "=1/0"
        wb.save(src)
        profile = "file://" + os.path.join(tmp, "profile")
        for fmt, name in (("xlsx", "libreoffice.xlsx"), ("xls", "legacy.xls"), ("ods", "opendocument.ods")):
            outdir = os.path.join(tmp, "out-" + fmt)
            subprocess.run([soffice, "-env:UserInstallation=" + profile, "--headless", "--convert-to", fmt,
                            "--outdir", outdir, src], check=True, capture_output=True, timeout=180)
            produced = os.path.join(outdir, "libreoffice." + fmt)
            shutil.copy(produced, out(name))
    # A legacy .xls named .xlsx, as people drop them.
    shutil.copy(out("legacy.xls"), out("legacy_named.xlsx"))
    os.remove(out("legacy.xls"))
    shutil.copy(out("opendocument.ods"), out("opendocument_named.xlsx"))
    os.remove(out("opendocument.ods"))


def encrypted_fixture():
    import msoffcrypto.format.ooxml
    with open(out("header_only.xlsx"), "rb") as plain, open(out("encrypted.xlsx"), "wb") as target:
        msoffcrypto.format.ooxml.OOXMLFile(plain).encrypt("secret", target)


# ------------------------------------------------------- hand-made packages

def content_types(overrides, extra_defaults=""):
    parts = "".join(f'<Override PartName="/{p}" ContentType="{t}"/>' for p, t in overrides)
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="{CT}">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            f'<Default Extension="xml" ContentType="application/xml"/>{extra_defaults}{parts}</Types>')


def relationships(rels):
    items = "".join(f'<Relationship Id="{i}" Type="{t}" Target="{target}"/>' for i, t, target in rels)
    return f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{PKG_REL}">{items}</Relationships>'


def worksheet(sheet_data, main=MAIN, prefix="", before="", after=""):
    p = prefix + ":" if prefix else ""
    ns = f'xmlns:{prefix}="{main}"' if prefix else f'xmlns="{main}"'
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<{p}worksheet {ns} xmlns:r="{REL}">{before}'
            f'<{p}sheetData>{sheet_data}</{p}sheetData>{after}</{p}worksheet>')


def sst(items, main=MAIN):
    body = "".join(f"<si>{i}</si>" for i in items)
    return f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="{main}" count="{len(items)}" uniqueCount="{len(items)}">{body}</sst>'


def styles(num_fmts, xf_ids, main=MAIN):
    fmts = "".join(f'<numFmt numFmtId="{i}" formatCode="{html.escape(c, quote=True)}"/>' for i, c in num_fmts)
    xfs = "".join(f'<xf numFmtId="{i}" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>' for i in xf_ids)
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="{main}">'
            f'<numFmts count="{len(num_fmts)}">{fmts}</numFmts>'
            '<fonts count="1"><font/></fonts><fills count="1"><fill/></fills><borders count="1"><border/></borders>'
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            f'<cellXfs count="{len(xf_ids)}">{xfs}</cellXfs></styleSheet>')


def package(name, sheets, shared=None, style=None, strict=False, workbook_pr="", encode=None,
            rename=None, zip64=False, stream=False, prefix="", workbook_override=None, extra_entries=()):
    """sheets: [(sheet name, worksheet xml, state or None)]."""
    main = STRICT_MAIN if strict else MAIN
    rel = STRICT_REL if strict else REL
    sheet_type = rel + "/worksheet"
    office = rel + "/officeDocument"
    p = prefix + ":" if prefix else ""
    ns = f'xmlns:{prefix}="{main}"' if prefix else f'xmlns="{main}"'
    entries = {}
    overrides = [("xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml")]
    wb_rels = []
    sheet_elems = ""
    for i, (sheet_name, xml, state) in enumerate(sheets, start=1):
        entries[f"xl/worksheets/sheet{i}.xml"] = xml
        overrides.append((f"xl/worksheets/sheet{i}.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"))
        wb_rels.append((f"rId{i}", sheet_type, f"worksheets/sheet{i}.xml"))
        st = f' state="{state}"' if state else ""
        sheet_elems += f'<{p}sheet name="{sheet_name}" sheetId="{i}"{st} r:id="rId{i}"/>'
    if shared is not None:
        entries["xl/sharedStrings.xml"] = shared
        wb_rels.append(("rIdS", rel + "/sharedStrings", "sharedStrings.xml"))
    if style is not None:
        entries["xl/styles.xml"] = style
        wb_rels.append(("rIdT", rel + "/styles", "styles.xml"))
    entries["xl/workbook.xml"] = workbook_override or (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<{p}workbook {ns} xmlns:r="{rel}">{workbook_pr}'
        f'<{p}sheets>{sheet_elems}</{p}sheets></{p}workbook>')
    entries["xl/_rels/workbook.xml.rels"] = relationships(wb_rels)
    entries["_rels/.rels"] = relationships([("rId1", office, "xl/workbook.xml")])
    entries["[Content_Types].xml"] = content_types(overrides)
    entries.update(dict(extra_entries))
    order = ["[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels"]
    order += [k for k in entries if k not in order]

    buffer = io.BytesIO()
    target = buffer
    if stream:
        class Unseekable(io.RawIOBase):  # makes zipfile write data descriptors
            def writable(self):
                return True

            def write(self, b):
                return buffer.write(b)
        target = Unseekable()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
        for entry in order:
            data = entries[entry]
            if isinstance(data, str):
                data = encode(entry, data) if encode else data.encode("utf-8")
            arcname = rename(entry) if rename else entry
            info = zipfile.ZipInfo(arcname, FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            with z.open(info, "w", force_zip64=zip64) as f:
                f.write(data)
    with open(out(name), "wb") as f:
        f.write(buffer.getvalue())


def hand_made_fixtures():
    basic_rows = ('<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1"><v>1.5</v></c></row>'
                  '<row r="2"><c r="A2" t="s"><v>1</v></c><c r="B2"><v>-2</v></c></row>')
    basic_sst = sst(["<t>alpha</t>", "<t>beta</t>"])

    # UTF-16 everywhere (LE with BOM), one sheet UTF-16BE.
    def utf16(entry, text):
        if entry.endswith("sheet2.xml"):
            return b"\xfe\xff" + text.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16-be")
        return text.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    package("utf16.xlsx", [("Ünï", worksheet(basic_rows), None),
                           ("BE", worksheet('<row r="1"><c r="A1" t="inlineStr"><is><t>日本 😀 é</t></is></c></row>'), None)],
            shared=sst(["<t>alpha 😀</t>", "<t>beta é</t>"]), encode=utf16)

    # x: prefixes everywhere.
    xrows = ('<x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c><x:c r="B1" t="inlineStr"><x:is><x:t>inline</x:t></x:is></x:c></x:row>'
             '<x:row r="2"><x:c r="A2"><x:v>7</x:v></x:c></x:row>')
    package("prefixed.xlsx", [("P", worksheet(xrows, prefix="x"), None)], shared=basic_sst, prefix="x")

    # Strict OOXML namespaces.
    package("strict.xlsx", [("S", worksheet(basic_rows, main=STRICT_MAIN), None)],
            shared=sst(["<t>alpha</t>", "<t>beta</t>"], main=STRICT_MAIN),
            style=styles([], [0, 14], main=STRICT_MAIN), strict=True,
            workbook_pr='<workbookPr date1904="true"/>')

    # Rows and cells without r; rows out of order; wrong dimension.
    no_r = ('<row><c><v>1</v></c><c><v>2</v></c></row>'
            '<row><c t="inlineStr"><is><t>x</t></is></c><c r="D2"><v>4</v></c><c><v>5</v></c></row>'
            '<row r="5"><c><v>6</v></c></row><row><c><v>7</v></c></row>')
    package("no_r.xlsx", [("N", worksheet(no_r), None)])
    disorder = ('<row r="3"><c r="B3"><v>32</v></c><c r="A3"><v>31</v></c></row>'
                '<row r="1"><c r="A1"><v>11</v></c></row>'
                '<row r="2"><c r="C2"><v>23</v></c><c r="A2"><v>21</v></c><c r="C2"><v>24</v></c></row>'
                '<row r="10"><c r="D10"><v>104</v></c></row>')
    package("out_of_order.xlsx", [("O", worksheet(disorder, before='<dimension ref="A1:B2"/>'), None)])

    # Far-apart sparse cells, style-only row and cells, comments, a PI.
    sparse = ('<row r="1"><c r="A1"><v>1</v></c></row>'
              '<row r="2" s="1" customFormat="1"><c r="B2" s="1"/></row>'
              '<!-- a comment <c r="C3"><v>9</v></c> -->'
              '<row r="1048576"><c r="XFD1048576"><v>2</v></c></row>')
    package("sparse.xlsx", [("Sparse", worksheet(sparse, before='<dimension ref="A1"/>'), None)])

    # Escapes, entities, whitespace, CDATA, rich and phonetic runs.
    esc_sst = sst([
        "<t>a_x000D_b_x005F_x0041_c_x0041_</t>",
        "<t>smile _xD83D__xDE00_ !</t>",
        "<r><rPr><b/></rPr><t>rich </t></r><r><t xml:space=\"preserve\"> run</t></r>",
        "<t>漢字</t><rPh sb=\"0\" eb=\"2\"><t>かんじ</t></rPh><phoneticPr fontId=\"1\"/>",
        "<t>  no preserve  </t>",
        "<t>&amp;&lt;&gt;&quot;&apos;&#65;&#x42;&#x1F600;</t>",
        "<t/>",
        "<t><![CDATA[<cdata & more>]]></t>",
    ])
    esc_rows = ''.join(f'<row r="{i + 1}"><c r="A{i + 1}" t="s"><v>{i}</v></c></row>' for i in range(8))
    esc_rows += ('<row r="9"><c r="A9" t="inlineStr"><is><t xml:space="preserve">  in_x0009_line  </t></is></c>'
                 '<c r="B9" t="inlineStr"><is><r><t>a</t></r><r><t>b</t></r><rPh><t>x</t></rPh></is></c>'
                 '<c r="C9" t="str"><f>"q"&amp;"r"</f><v>q&amp;r</v></c>'
                 '<c r="D9" t="e"><v>#DIV/0!</v></c><c r="E9" t="b"><v>1</v></c>'
                 '<c r="F9" t="d"><v>2024-03-15T12:00:00</v></c><c r="G9" t="d"><v>1900-03-01</v></c>'
                 '<c r="H9"><f>1+1</f><v>2</v></c><c r="I9"><v>1E-3</v></c><c r="J9"><v>-0</v></c>'
                 '<c r="K9"><v>0.1</v></c><c r="L9" t="n"><v> 12 </v></c></row>')
    package("escapes.xlsx", [("Esc", worksheet(esc_rows), None)], shared=esc_sst)

    # Styles: custom formats → kinds.
    custom = [(164, "yyyy-mm-dd"), (165, "[h]:mm"), (166, "hh:mm:ss"), (167, "d-mmm-yy h:mm AM/PM"),
              (168, '#,##0.00 "m"'), (169, "[mm]:ss"), (170, "mmm yyyy"), (171, "[Red][<0]0.0;0.0")]
    xf_ids = [0, 14, 22, 18, 46, 164, 165, 166, 167, 168, 169, 170, 171]
    style_rows = '<row r="1">' + "".join(f'<c r="{chr(65 + i)}1" s="{i}"><v>45000.25</v></c>' for i in range(len(xf_ids))) + "</row>"
    package("styles.xlsx", [("Styles", worksheet(style_rows), None)], style=styles(custom, xf_ids))

    # Zip variants: ZIP64 headers, data descriptors, odd names.
    package("zip64.xlsx", [("Z", worksheet(basic_rows), None)], shared=basic_sst, zip64=True)
    package("data_descriptor.xlsx", [("DD", worksheet(basic_rows), None)], shared=basic_sst, stream=True)

    # Info-ZIP's -fz writes ZIP64 extra fields in the central directory too.
    if shutil.which("zip"):
        with tempfile.TemporaryDirectory() as tmp:
            with zipfile.ZipFile(out("zip64.xlsx")) as z:
                names = z.namelist()
                z.extractall(tmp)
            for n in names:
                os.utime(os.path.join(tmp, n), (1704164646, 1704164646))
            target = os.path.join(tmp, "z.xlsx")
            subprocess.run(["zip", "-q", "-X", "-fz", target] + names, cwd=tmp, check=True)
            shutil.copy(target, out("zip64_infozip.xlsx"))

    def odd(entry):
        return {"xl/worksheets/sheet1.xml": "XL\\Worksheets\\Sheet1.XML", "xl/sharedStrings.xml": "/xl/SHAREDstrings.xml",
                "xl/workbook.xml": "Xl/Workbook.xml", "[Content_Types].xml": "[content_types].xml"}.get(entry, entry)
    package("odd_names.xlsx", [("Odd", worksheet(basic_rows), None)], shared=basic_sst, rename=odd)

    # Bad input.
    package("empty_workbook.xlsx", [])
    package("missing_sheet.xlsx", [("M", worksheet(basic_rows), None)], shared=basic_sst,
            rename=lambda e: "xl/worksheets/gone.xml" if e == "xl/worksheets/sheet1.xml" else e)
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c><c r="B{r}" t="inlineStr"><is><t>row {r}</t></is></c></row>\n'
                   for r in range(1, 200))
    full = worksheet(rows)
    package("truncated_sheet.xlsx", [("Cut", full[: len(full) * 2 // 3], None)])
    dtd = ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n'
           f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets><sheet name="&e;" sheetId="1" r:id="rId1"/></sheets></workbook>')
    package("dtd_workbook.xlsx", [("D", worksheet(basic_rows), None)], shared=basic_sst, workbook_override=dtd)
    dtd_sheet = worksheet('<row r="1"><c r="A1" t="inlineStr"><is><t>&e;</t></is></c></row>').replace(
        "\n", '\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n', 1)
    package("dtd_sheet.xlsx", [("D", dtd_sheet, None)])
    package("dtd_sst.xlsx", [("D", worksheet(basic_rows), None)],
            shared=basic_sst.replace("\n", '\n<!DOCTYPE sst [<!ENTITY e "boom">]>\n', 1))
    package("unknown_entity.xlsx", [("U", worksheet('<row r="1"><c r="A1" t="inlineStr"><is><t>&nbsp;</t></is></c></row>'), None)])
    package("bad_shared_index.xlsx", [("B", worksheet('<row r="1"><c r="C1" t="s"><v>7</v></c></row>'), None)], shared=basic_sst)
    # A zip bomb in miniature: 4 MiB of whitespace inflating from ~4 KiB
    # (the test lowers the ratio threshold to catch it).
    bomb = worksheet('<row r="1"><c r="A1"><v>1</v></c></row>' + " " * (4 << 20))
    package("bomb.xlsx", [("Bomb", bomb, None)])

    with open(out("not_a_zip.xlsx"), "wb") as f:
        f.write(b"name,amount\nx,1\n")
    # Damage the compressed data of the sheet entry (keep the headers).
    good = open(out("zip64.xlsx"), "rb").read()
    with zipfile.ZipFile(out("zip64.xlsx")) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    header_len = 30 + len(info.filename.encode()) + len(info.extra)
    start = info.header_offset + header_len
    damaged = bytearray(good)
    for i in range(start + 2, start + min(info.compress_size, 40)):
        damaged[i] ^= 0x5A
    with open(out("corrupt.xlsx"), "wb") as f:
        f.write(bytes(damaged))


if __name__ == "__main__":
    xlsxwriter_fixtures()
    openpyxl_fixture(out("openpyxl_types.xlsx"))
    encrypted_fixture()
    libreoffice_fixtures()
    hand_made_fixtures()
    for name in sorted(os.listdir(HERE)):
        if not name.endswith(".py"):
            print(f"{os.path.getsize(out(name)):>8}  {name}")
