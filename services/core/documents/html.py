"""Printable HTML (A4, one plan page per printed page), rendered with Jinja2 and autoescaping."""

from __future__ import annotations

from jinja2 import DictLoader, Environment, select_autoescape
from markupsafe import Markup

from services.core.documents.model import Document, Figure, Heading, Item, Numbered, Rows, Table
from services.core.documents.redaction import PUBLIC

TEMPLATE = """<!doctype html>
<html lang="ja">
<head>
<meta charset="utf-8">
<title>{{ doc.title }}{% if doc.subtitle %} — {{ doc.subtitle }}{% endif %}</title>
<style>
  @page { size: A4; margin: 18mm 16mm; }
  body { font-family: "Noto Serif CJK JP", "Hiragino Mincho ProN", "Yu Mincho", serif; font-size: 10.5pt;
         line-height: 1.6; color: #000; margin: 0 auto; max-width: 180mm; }
  section.page { page-break-after: always; break-after: page; padding: 8mm 0; }
  section.page:last-of-type { page-break-after: auto; break-after: auto; }
  h1 { font-size: 12pt; margin: 0 0 6mm; }
  h2 { font-size: 11pt; margin: 5mm 0 2mm; }
  .item-label { font-weight: bold; margin: 4mm 0 1mm; }
  .item p { margin: 0 0 1.5mm 1em; text-indent: 1em; }
  table { border-collapse: collapse; width: 100%; margin: 2mm 0 4mm; }
  th, td { border: 1px solid #000; padding: 1.5mm 2mm; vertical-align: top; text-align: left; }
  th { width: 22%; font-weight: normal; background: #f2f2f2; }
  table.grid { font-size: 9pt; } table.grid th { width: auto; }
  td p { margin: 0; }
  ol.numbered { margin: 1mm 0 3mm; padding-left: 1.6em; }
  .note { margin-top: 6mm; }
  .internal { border: 2px solid #b00020; color: #b00020; padding: 1.5mm 3mm; margin-bottom: 4mm; font-weight: bold; }
  .internal-note { color: #b00020; margin-top: 3mm; }
  figure { margin: 0 0 5mm; } figure svg { max-width: 100%; height: auto; }
  figcaption { font-size: 9pt; color: #444; }
</style>
</head>
<body>
{% for page in doc.pages %}
<section class="page">
  {% if internal %}<div class="internal">内部資料（非公表情報を含む・取扱注意）</div>{% endif %}
  <h1>{{ page.title }}</h1>
  {% for block in page.blocks %}{{ render(block) }}{% endfor %}
  {% if page.internal_note and internal %}<p class="internal-note">{{ page.internal_note }}</p>{% endif %}
  {% if page.note %}<p class="note">{{ page.note }}</p>{% endif %}
</section>
{% endfor %}
</body>
</html>
"""

BLOCKS = {
    "item": """<div class="item"><p class="item-label">{{ b.label }}</p>{% for p in b.paragraphs %}<p>{{ p }}</p>{% endfor %}</div>""",
    "rows": """<table>{% for label, lines in b.rows %}<tr><th scope="row">{{ label }}</th><td>{% if lines|length > 1 %}{% for line in lines %}<p>{{ line }}</p>{% endfor %}{% else %}{{ lines[0] if lines else '' }}{% endif %}</td></tr>{% endfor %}</table>""",
    "numbered": """<h2>{{ b.heading }}</h2><ol class="numbered">{% for line in b.items %}<li>{{ line }}</li>{% endfor %}</ol>""",
    "heading": """{% if b.text %}<h2>{{ b.text }}</h2>{% endif %}""",
    "table": """<table class="grid"><thead><tr>{% for c in b.columns %}<th scope="col">{{ c }}</th>{% endfor %}</tr></thead><tbody>{% for row in b.rows %}<tr>{% for cell in row %}<td>{{ cell }}</td>{% endfor %}</tr>{% endfor %}</tbody></table>""",
}

_environment = Environment(loader=DictLoader({"document.html": TEMPLATE, **BLOCKS}),
                           autoescape=select_autoescape(default=True, default_for_string=True))


def _render_block(block) -> Markup:
    if isinstance(block, Figure):
        # Our own SVG (chart.py escapes every text it draws), so it is inserted as markup.
        caption = _environment.from_string("{{ c }}").render(c=block.caption)
        return Markup(f"<figure>{block.svg}<figcaption>{caption}</figcaption></figure>")
    name = {Item: "item", Rows: "rows", Numbered: "numbered", Heading: "heading", Table: "table"}[type(block)]
    return Markup(_environment.get_template(name).render(b=block))


def render_html(document: Document) -> bytes:
    html = _environment.get_template("document.html").render(doc=document, internal=document.audience != PUBLIC,
                                                             render=_render_block)
    return html.encode("utf-8")
