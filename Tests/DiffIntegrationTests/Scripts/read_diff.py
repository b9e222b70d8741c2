#!/usr/bin/env python3
"""Reads a diff report with openpyxl (a tool we did not write) and prints
JSON: {"sheets": [names], "rows": {sheet: [[value, ...], ...]},
"filled": {sheet: [coordinates of cells with a solid fill]},
"fill_colors": [distinct fill colours]}. Values: numbers as floats, dates
as ISO text, booleans as booleans, empty cells as null."""
import datetime
import json
import sys

import openpyxl


def value(v):
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, (datetime.datetime, datetime.date)):
        return v.isoformat()
    return str(v)


wb = openpyxl.load_workbook(sys.argv[1])
out = {"sheets": wb.sheetnames, "rows": {}, "filled": {}, "fill_colors": []}
colors = set()
for ws in wb.worksheets:
    out["rows"][ws.title] = [[value(c) for c in row] for row in ws.iter_rows(values_only=True)]
    filled = []
    for row in ws.iter_rows():
        for c in row:
            if c.fill is not None and c.fill.patternType == "solid":
                filled.append(c.coordinate)
                colors.add(str(c.fill.fgColor.rgb))
    out["filled"][ws.title] = filled
out["fill_colors"] = sorted(colors)
print(json.dumps(out))
