"""A minimal valid state tree, written into a temporary directory for tests.

Every kind the broken-input corpus touches is present once, so each broken case differs
from a valid state by the one file it adds or replaces.
"""

from __future__ import annotations

from pathlib import Path

BASE_FILES: dict[str, str] = {
    "stagingpro.yaml": """\
# yaml-language-server: $schema=../schemas/stagingpro.schema.json
version: 1
environments:
  production:
    backend: {sandbox: prod}
  staging:
    backend: {sandbox: staging}
""",
    "catalog/brands/summit.yaml": """\
# yaml-language-server: $schema=../../../schemas/brands.schema.json
name: Summit
""",
    "catalog/categories/footwear.yaml": """\
# yaml-language-server: $schema=../../../schemas/categories.schema.json
categories:
  - path: Footwear
  - path: Footwear/Trail
""",
    "catalog/products/trail-01.yaml": """\
# yaml-language-server: $schema=../../../schemas/products.schema.json
sku: TRAIL-01
name: Trail Shoe
type: physical
price: 89.00
weight: 1.2
brand: Summit
categories: [Footwear/Trail]
options:
  - display_name: Size
    type: dropdown
    values:
      - label: "9"
      - label: "10"
variants:
  - sku: TRAIL-01-9
    option_values: {Size: "9"}
  - sku: TRAIL-01-10
    option_values: {Size: "10"}
    price: 95.00
images:
  - file: images/trail-01.jpg
    is_thumbnail: true
""",
    "content/pages/about.yaml": """\
# yaml-language-server: $schema=../../../schemas/pages.schema.json
url: /about/
name: About us
type: page
body: <p>Who we are</p>
""",
    "content/pages/holiday-sale.yaml": """\
# yaml-language-server: $schema=../../../schemas/pages.schema.json
url: /holiday-sale/
name: Holiday sale
type: page
body: <p>Sale</p>
""",
    "content/redirects/old-trail.yaml": """\
# yaml-language-server: $schema=../../../schemas/redirects.schema.json
from_path: /old-trail/
to: {type: product, key: TRAIL-01}
""",
    "environments/staging/overlay.yaml": """\
# yaml-language-server: $schema=../../../schemas/overlay.schema.json
patch:
  products:
    TRAIL-01:
      price: 79.00
remove:
  pages: [/holiday-sale/]
""",
}

BINARY_FILES: dict[str, bytes] = {
    "catalog/products/images/trail-01.jpg": b"\xff\xd8\xff\xe0 not really a jpeg",
}


def write_base(root: Path) -> Path:
    """Write the minimal valid state into ``root`` (created); return ``root``."""
    for relative, text in BASE_FILES.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    for relative, data in BINARY_FILES.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return root
