"""The plan's documents generated from the data: 別添3, 別紙1-2 / 別紙1-5 pages, 別添6 and the targets table,
each rendered as HTML, Markdown, CSV or XLSX for a public or an internal audience (see docs/documents.md)."""

# Names the command line offers (services.core.documents.export.KINDS describes each).
KIND_NAMES = ("betten3", "besshi", "betten6", "targets")
FORMAT_NAMES = ("html", "md", "csv", "xlsx")
AUDIENCE_NAMES = ("public", "internal")
