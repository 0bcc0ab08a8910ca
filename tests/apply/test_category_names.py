"""Category names as BigCommerce allows them, end to end: a ``/`` inside a name (escaped
``\\/`` in paths), and siblings whose names differ only by case."""

from __future__ import annotations

from tests.apply.conftest import Project

CATEGORIES = r"""categories:
  - path: Outdoor
  - path: Outdoor/Tents\/Tarps?
    description: <p>Shelter</p>
  - path: Outdoor/Tents
"""
PRODUCT = r"""sku: TARP-01
name: Flat tarp
type: physical
price: 49.00
weight: 0.5
categories: ['Outdoor/Tents\/Tarps?']
"""


def write(project: Project, files: dict[str, str]) -> None:
    for relative, text in files.items():
        path = project.state / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    project.commit("declare")


def test_a_slash_in_a_category_name_round_trips(small_project: Project) -> None:
    project = small_project
    write(
        project,
        {"catalog/categories/all.yaml": CATEGORIES, "catalog/products/tarp.yaml": PRODUCT},
    )
    code, out, err = project.cli("plan", "staging")
    assert code == 0, err
    assert r"Outdoor/Tents\/Tarps?" in out
    code, out, err = project.apply()
    assert code == 0, out + err
    assert project.pending() == 0

    # The store holds exactly the declared names, read back through the plain API.
    categories = project.all_pages("/v3/catalog/trees/categories")
    by_id = {c["category_id"]: c for c in categories}
    names = sorted(c["name"] for c in categories)
    assert names == ["Outdoor", "Tents", "Tents/Tarps?"]
    tarps = next(c for c in categories if c["name"] == "Tents/Tarps?")
    assert by_id[tarps["parent_id"]]["name"] == "Outdoor"
    product = project.api("GET", "/v3/catalog/products", params={"sku": "TARP-01"})["data"][0]
    assert product["categories"] == [tarps["category_id"]]
