"""The notebook API: DataFrames in and out, with the command line's guarantees (issue 14,
point 7), over the sandbox."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import bulkio

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def test_read_contacts_gives_cleaned_rows_and_their_issues() -> None:
    df = bulkio.read_contacts(SAMPLES / "contactos_mx.csv", default_region="MX")
    assert len(df) == 60 and df.index.name == "row"
    assert list(df.columns[:4]) == ["_row", "_ok", "_errors", "_warnings"]
    assert int((~df["_ok"]).sum()) == 3
    assert df["_errors"][~df["_ok"]].str.contains("missing-identifier|duplicate-in-file").all()
    phones = df["phone"].dropna()
    assert len(phones) > 0 and phones.str.startswith("+52").all()


def test_import_then_export_a_dataframe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    df = pd.DataFrame({"Nombre": ["Ana", "Luis"], "Correo": ["ana@example.mx", "luis@example.mx"],
                       "Teléfono": ["55 1234 5678", ""], "Etiquetas": [["vip", "nuevo"], []]})
    result = bulkio.import_contacts(df, sandbox=True, default_region="MX")
    assert result.exit_code == 0, result.report.to_json()
    assert result.report.by_action == {"created": 2}
    [csv_file] = [p for p in tmp_path.glob("contacts-*.csv") if p.stem.count(".") == 0]
    assert (tmp_path / f"{csv_file.stem}.success.csv").exists()
    again = bulkio.import_contacts(df, sandbox=True, default_region="MX")
    assert again.report.by_action == {"unchanged": 2}
    out = bulkio.export_contacts(sandbox=True, columns=["email", "phone", "tags"],
                                 sort=["email"])
    assert out["email"].tolist() == ["ana@example.mx", "luis@example.mx"]
    assert out.loc[0, "phone"] == "+525512345678" and pd.isna(out.loc[1, "phone"])
    assert sorted(str(out.loc[0, "tags"]).split(", ")) == ["nuevo", "vip"]
