#!/usr/bin/env python3
"""Reads an XLSX with openpyxl and python-calamine (tools we did not write)
and prints JSON: {"openpyxl": {sheet: rows}, "calamine": {sheet: rows},
"formats": {sheet: {"A2": number_format, ...}}, "frozen": {sheet: "A2"},
"autofilter": {sheet: ref}}. Each cell is [type, value]: type is one of
null, number, bool, date, datetime, string."""
import datetime
import json
import sys

import openpyxl
from python_calamine import CalamineWorkbook


def cell(v):
    if v is None or v == "":
        return ["null", None]
    if isinstance(v, bool):
        return ["bool", v]
    if isinstance(v, (int, float)):
        return ["number", float(v)]
    if isinstance(v, datetime.datetime):
        if v.time() == datetime.time(0) and not isinstance(v, datetime.datetime):
            return ["date", v.isoformat()]
        return ["datetime", v.isoformat(sep=" ")]
    if isinstance(v, datetime.date):
        return ["date", v.isoformat()]
    if isinstance(v, datetime.time):
        return ["time", v.isoformat()]
    return ["string", str(v)]


path = sys.argv[1]
out = {"openpyxl": {}, "calamine": {}, "formats": {}, "frozen": {}, "autofilter": {}, "bold": {}}
wb = openpyxl.load_workbook(path)
out["sheets"] = wb.sheetnames
for ws in wb.worksheets:
    out["openpyxl"][ws.title] = [[cell(v) for v in row] for row in ws.iter_rows(values_only=True)]
    out["formats"][ws.title] = {c.coordinate: c.number_format for row in ws.iter_rows(min_row=2, max_row=2) for c in row}
    out["frozen"][ws.title] = ws.freeze_panes
    out["autofilter"][ws.title] = ws.auto_filter.ref
    out["bold"][ws.title] = all(c.font.bold for c in next(ws.iter_rows(min_row=1, max_row=1)))
cw = CalamineWorkbook.from_path(path)
for name in cw.sheet_names:
    out["calamine"][name] = [[cell(v) for v in row] for row in cw.get_sheet_by_name(name).to_python(skip_empty_area=False)]
json.dump(out, sys.stdout)
