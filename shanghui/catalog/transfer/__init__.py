"""Catalogue import from CSV (UTF-8, UTF-8 with BOM, GB18030/GBK, UTF-16) or Excel (.xlsx).

Two shapes are accepted, told apart by their header row (English keys or Chinese headers, in any order):

* the portal's short shape, as `shared/data/catalog_guangan.csv`: department, group, name, item_code,
  task_type;
* the full template (`exporting.template_workbook()`; an export has the same shape) that adds the
  service guide: description, time limits and units, fees, delivery methods, proxy eligibility,
  counties, online status and the materials list in a compact syntax (see MATERIALS_HELP).

The run, for a file of any size:

1. read the whole table (the file type is decided by content, never by the file name);
2. check every row (progress is reported per batch: `processed_rows` of the job);
3. in one transaction: look up the existing items by code, merge, create missing departments, write
   with bulk operations, record the audit row. In "all or nothing" mode a single bad row means nothing
   is written; in "good rows" mode the bad rows are reported and the rest written.

Columns a file does not have are left as they are on existing items (a short-shape re-import keeps
the time limits and materials staff added); an empty cell in a column the file has clears the value.
Re-importing the same file changes nothing: a row whose merged item equals the stored one is counted
as unchanged and writes nothing, so no new version.

The parts: columns.py (the one column definition, for import and export), materials.py (the materials
cell's syntax), reading.py (the file → a table), rows.py (a row → checked values), importing.py (checked
rows → items, versions, departments, audit), jobs.py (the background job) and exporting.py (the export,
the import template and the error report).
"""
