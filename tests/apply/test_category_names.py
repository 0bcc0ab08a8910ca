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


def test_case_twins_are_refused_before_any_request(small_project: Project) -> None:
    project = small_project
    twins = "categories:\n  - path: Cafe\n  - path: Cafe/Beans\n  - path: CAFE\n"
    write(project, {"catalog/categories/all.yaml": twins})
    code, _, err = project.cli("plan", "staging")
    assert code == 1
    assert (
        "catalog/categories/all.yaml:4:11: category CAFE: duplicate category name 'CAFE';"
        " also used by category Cafe at catalog/categories/all.yaml:2:11"
    ) in err.replace("\n", " ")


def test_a_create_the_store_refuses_fails_and_adopts_nothing(small_project: Project) -> None:
    project = small_project
    project.ensure_store()
    tree = project.api("GET", "/v3/catalog/trees")["data"][0]["id"]
    project.api("POST", "/v3/catalog/trees/categories", json=[{"name": "Cafe", "tree_id": tree}])
    write(project, {"catalog/categories/all.yaml": "categories:\n  - path: CAFE\n"})
    code, out, err = project.apply()
    assert code == 3, out + err
    assert "1 failed" in out
    names = [c["name"] for c in project.all_pages("/v3/catalog/trees/categories")]
    assert names == ["Cafe"]
    assert project.pending() == 2  # still to do, every time, until the store can take it
