"""The shared pieces of every staff page: forms and fields (forms.py), widgets (widgets.py), the list
pattern — filters, pagination, the audited Excel export (listing.py) — and their templates under
templates/ui/ (_field, _form_errors, _filter_fields, _pagination, _empty_state)."""
