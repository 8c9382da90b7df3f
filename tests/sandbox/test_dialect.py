# ruff: noqa: E501
"""The ``Version: 2021-07-28`` dialect (contacts-v2.openapi.json), chosen per request, and
bulkio's own ``--api-version 2021-07-28`` import against it end to end, DND included."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from click.testing import CliRunner

from bulkio.cli import main
from bulkio.sandbox import Sandbox

if TYPE_CHECKING:
    from tests.conftest import SandboxHandle

V2 = "2021-07-28"


def api(sb: SandboxHandle, version: str) -> httpx.Client:
    return httpx.Client(base_url=sb.url, timeout=10,
                        headers={"Authorization": f"Bearer {sb.token}", "Version": version})  # fmt: skip


def create(http: httpx.Client, sb: SandboxHandle, **fields: Any) -> httpx.Response:
    return http.post("/contacts/", json={"locationId": sb.location_id, **fields})


def test_dnd_keys_are_capitalised_in_v2_and_lower_case_in_v3(sandbox: SandboxHandle) -> None:
    v2, v3 = api(sandbox, V2), api(sandbox, "v3")
    r = create(v2, sandbox, email="d@x.com", dndSettings={"SMS": {"status": "active"},
                                                          "Call": {"status": "inactive"}})  # fmt: skip
    assert r.status_code == 201, r.text
    assert r.json()["contact"]["dndSettings"] == {"SMS": {"status": "active"},
                                                  "Call": {"status": "inactive"}}  # fmt: skip
    cid = r.json()["contact"]["id"]
    assert v3.get(f"/contacts/{cid}").json()["contact"]["dndSettings"] == {
        "sms": {"status": "active"}, "call": {"status": "inactive"}}  # fmt: skip
    r = create(v2, sandbox, email="e@x.com", dndSettings={"sms": {"status": "active"}})
    assert r.status_code == 422
    assert r.json()["message"] == ["property dndSettings.sms should not exist"]
    r = create(v3, sandbox, email="e@x.com", dndSettings={"SMS": {"status": "active"}})
    assert r.status_code == 422
    assert r.json()["message"] == ["property dndSettings.SMS should not exist"]


def test_custom_field_value_key_and_success_spelling_in_v2(sandbox: SandboxHandle) -> None:
    field = sandbox.admin.create_custom_field(sandbox.location_id, name="Plan", data_type="TEXT")
    v2 = api(sandbox, V2)
    r = create(v2, sandbox, customFields=[{"id": field["id"], "fieldValue": "Pro"}])
    assert r.status_code == 422
    assert r.json()["message"] == ["property customFields.fieldValue should not exist"]
    r = create(v2, sandbox, customFields=[{"id": field["id"], "field_value": "Pro"}])
    assert r.status_code == 201, r.text
    cid = r.json()["contact"]["id"]
    assert r.json()["contact"]["customFields"] == [{"id": field["id"], "value": "Pro"}]
    updated = v2.put(f"/contacts/{cid}", json={"firstName": "Ana"}).json()
    assert "succeeded" not in updated and updated["succeded"] is True
    assert v2.delete(f"/contacts/{cid}").json() == {"succeded": True}


def test_remove_all_campaigns_spelling_per_version(sandbox: SandboxHandle) -> None:
    loc = sandbox.location_id
    v2, v3 = api(sandbox, V2), api(sandbox, "v3")
    cid = create(v3, sandbox, email="c@x.com").json()["contact"]["id"]

    def campaigns() -> list[str]:
        return sorted(m["id"] for m in sandbox.admin.memberships(loc) if m["kind"] == "campaign")

    for camp in ("c1", "c2"):
        assert v2.post(f"/contacts/{cid}/campaigns/{camp}", json={}).status_code == 201
    # v3's spelling is a campaign id in v2: nothing of c1/c2 is removed
    assert v2.delete(f"/contacts/{cid}/campaigns/remove-all").status_code == 200
    assert campaigns() == ["c1", "c2"]
    assert v2.delete(f"/contacts/{cid}/campaigns/removeAll").json() == {"succeded": True}
    assert campaigns() == []
    for camp in ("c1", "c2"):
        v3.post(f"/contacts/{cid}/campaigns/{camp}", json={})
    assert v3.delete(f"/contacts/{cid}/campaigns/removeAll").status_code == 200
    assert campaigns() == ["c1", "c2"]
    assert v3.delete(f"/contacts/{cid}/campaigns/remove-all").status_code == 200
    assert campaigns() == []


def test_deprecated_contact_list_exists_in_v2_only(sandbox: SandboxHandle) -> None:
    ids = sandbox.admin.seed(sandbox.location_id, contacts=[{"email": f"l{i}@x.com"} for i in range(3)])
    v2 = api(sandbox, V2)
    first = v2.get("/contacts/", params={"locationId": sandbox.location_id, "limit": 2}).json()
    assert [c["id"] for c in first["contacts"]] == ids[:2]
    assert first["count"] == 3
    r = api(sandbox, "v3").get("/contacts/", params={"locationId": sandbox.location_id})
    assert r.status_code == 404
    assert r.json() == {"statusCode": 404, "message": "Cannot GET /contacts/", "error": "Not Found"}


def test_import_with_api_version_2021_07_28_end_to_end(
    tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "c.csv").write_text(
        "Nombre,Correo,No molestar,Plan\n"
        "Ana,ana@x.mx,\"sms, email\",Pro\n"
        "Luis,luis@x.mx,llamada:permanente,Básico\n", encoding="utf-8")  # fmt: skip
    (tmp_path / "c.map.toml").write_text(
        '[columns]\n"Nombre" = "firstName"\n"Correo" = "email"\n"No molestar" = "dnd"\n'
        '"Plan" = { custom_field = "Plan" }\n', encoding="utf-8")  # fmt: skip
    runner = CliRunner()
    r = runner.invoke(main, ["sandbox", "fields", "add", "Plan", "--type", "TEXT"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(main, ["import", "c.csv", "--map", "c.map.toml", "--sandbox", "-q",
                             "--api-version", V2])  # fmt: skip
    assert r.exit_code == 0, r.output
    (tmp_path / "d.csv").write_text("Nombre,Correo,No molestar,Plan\nEva,eva@x.mx,whatsapp,Pro\n",
                                    encoding="utf-8")  # fmt: skip
    with Sandbox(tmp_path / ".bulkio" / "sandbox.db", rate_limit=None) as sb:
        # the same run against a served sandbox, whose request log shows the Version sent
        env = {"BULKIO_BASE_URL": sb.url, "BULKIO_TOKEN": sb.token,
               "BULKIO_LOCATION_ID": sb.location_id}  # fmt: skip
        r = runner.invoke(main, ["import", "d.csv", "--map", "c.map.toml", "-q",
                                 "--api-version", V2], env=env)  # fmt: skip
        assert r.exit_code == 0, r.output
        got = {c["email"]: c for c in sb.admin.contacts(sb.location_id)}
        versions = {q["version"] for q in sb.admin.requests(sb.location_id)}
    assert versions == {V2}
    assert got["ana@x.mx"]["dndSettings"] == {"sms": {"status": "active"},
                                              "email": {"status": "active"}}  # fmt: skip
    assert got["luis@x.mx"]["dndSettings"] == {"call": {"status": "permanent"}}
    assert got["eva@x.mx"]["dndSettings"] == {"whatsApp": {"status": "active"}}
    assert [cf["value"] for cf in got["luis@x.mx"]["customFields"]] == ["Básico"]
    assert [cf["value"] for cf in got["eva@x.mx"]["customFields"]] == ["Pro"]


def test_v2_answers_match_the_contacts_v2_spec(sandbox: SandboxHandle) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    referencing = pytest.importorskip("referencing")
    spec_dir = next((p / "shared" / "spec" for p in Path(__file__).resolve().parents
                     if (p / "shared" / "spec" / "contacts-v2.openapi.json").is_file()), None)  # fmt: skip
    if spec_dir is None or not (spec_dir.parent / "common" / "common-schemas.json").is_file():
        pytest.skip("shared/spec not available")
    doc = json.loads((spec_dir / "contacts-v2.openapi.json").read_text())
    common = json.loads((spec_dir.parent / "common" / "common-schemas.json").read_text())
    uri = "https://spec.local/spec/contacts-v2.openapi.json"
    registry = referencing.Registry().with_resources([
        (uri, referencing.Resource.from_contents(doc, referencing.jsonschema.DRAFT7)),
        ("https://spec.local/common/common-schemas.json",
         referencing.Resource.from_contents(common, referencing.jsonschema.DRAFT7)),
    ])  # fmt: skip

    def check(path: str, method: str, r: httpx.Response, status: int = 200) -> None:
        assert r.status_code == status, r.text
        ref = doc["paths"][path][method]["responses"][str(r.status_code)]["content"][
            "application/json"]["schema"]["$ref"]  # fmt: skip
        absolute = uri + ref if ref.startswith("#") else "https://spec.local/common/" + ref.split("/", 2)[-1]
        jsonschema.Draft7Validator({"$ref": absolute}, registry=registry).validate(r.json())

    v2, loc = api(sandbox, V2), sandbox.location_id
    r = create(v2, sandbox, email="v@x.com", firstName="Vera", tags=["a"],
               dndSettings={"SMS": {"status": "active"}})  # fmt: skip
    check("/contacts/", "post", r, 201)
    cid = r.json()["contact"]["id"]
    check("/contacts/{contactId}", "get", v2.get(f"/contacts/{cid}"))
    check("/contacts/{contactId}", "put", v2.put(f"/contacts/{cid}", json={"lastName": "Ruiz"}))
    check("/contacts/upsert", "post", v2.post("/contacts/upsert", json={"locationId": loc, "email": "v@x.com"}))
    check("/contacts/", "get", v2.get("/contacts/", params={"locationId": loc}))
    check("/contacts/{contactId}/campaigns/removeAll", "delete", v2.delete(f"/contacts/{cid}/campaigns/removeAll"))
    check("/contacts/{contactId}", "put", v2.put(f"/contacts/{cid}", json={"dndSettings": {"sms": {"status": "active"}}}), 422)
    check("/contacts/{contactId}", "delete", v2.delete(f"/contacts/{cid}"))
